/**
 * Include/exclude options → one select function, with restic restore's semantics: excludes and
 * includes are mutually exclusive; `--iinclude`/`--iexclude` lower-case pattern and path; pattern
 * files drop blank and `#` lines, trim whitespace and expand `$VAR` (`$$` is a dollar).
 * restic `cmd/restic/cmd_restore.go` (selectExcludeFilter, selectIncludeFilter),
 * `internal/filter/include.go`, `exclude.go` (readPatternsFromFiles).
 */

import { readFile } from 'node:fs/promises';
import { UsageError } from '../../errors.js';
import { matchList, parsePattern, type Pattern } from './pattern.js';

export interface FilterOptions {
  include?: readonly string[];
  iinclude?: readonly string[];
  exclude?: readonly string[];
  iexclude?: readonly string[];
}

/** location is '/'-rooted inside the restored tree, e.g. `/etc/hosts` */
export type SelectFn = (
  location: string,
  isDir: boolean,
) => { selected: boolean; descend: boolean };

export const selectAll: SelectFn = (_l, isDir) => ({ selected: true, descend: isDir });

function parseAll(patterns: readonly string[], lower: boolean): Pattern[] {
  return patterns.filter((p) => p !== '').map((p) => parsePattern(lower ? p.toLowerCase() : p));
}

export function buildSelect(opts: FilterOptions): SelectFn {
  const inc = parseAll(opts.include ?? [], false);
  const iinc = parseAll(opts.iinclude ?? [], true);
  const exc = parseAll(opts.exclude ?? [], false);
  const iexc = parseAll(opts.iexclude ?? [], true);
  const hasInc = inc.length + iinc.length > 0;
  const hasExc = exc.length + iexc.length > 0;
  if (hasInc && hasExc) throw new UsageError('exclude and include patterns are mutually exclusive');
  if (hasExc) {
    return (location, isDir) => {
      const excluded =
        (exc.length > 0 && matchList(exc, location, false).matched) ||
        (iexc.length > 0 && matchList(iexc, location.toLowerCase(), false).matched);
      return { selected: !excluded, descend: !excluded && isDir };
    };
  }
  if (hasInc) {
    return (location, isDir) => {
      let selected = false;
      let child = false;
      if (iinc.length > 0) {
        const r = matchList(iinc, location.toLowerCase(), true);
        selected ||= r.matched;
        child ||= r.childMayMatch;
      }
      if (!(selected && child) && inc.length > 0) {
        const r = matchList(inc, location, true);
        selected ||= r.matched;
        child ||= r.childMayMatch;
      }
      return { selected, descend: child && isDir };
    };
  }
  return selectAll;
}

/** restic readPatternsFromFiles: trimmed lines, no blanks or comments, `$VAR` expanded */
export async function readPatternFiles(
  files: readonly string[],
  env: Record<string, string | undefined>,
): Promise<string[]> {
  const out: string[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (cause) {
      throw new UsageError(`failed to read patterns from file ${file}`, { file }, { cause });
    }
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    for (const raw of text.split(/\r?\n/)) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) continue;
      out.push(expandEnv(line, env));
    }
  }
  return out;
}

/** Go os.Expand with `$$` → `$`: `$NAME` and `${NAME}` */
export function expandEnv(s: string, env: Record<string, string | undefined>): string {
  return s.replace(/\$(\$|\{([^}]*)\}|[A-Za-z0-9_]+)/g, (_m, word: string, braced?: string) => {
    if (word === '$') return '$';
    const name = braced ?? word;
    return env[name] ?? '';
  });
}
