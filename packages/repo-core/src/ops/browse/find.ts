/**
 * find: entries matching name patterns across snapshots, like restic find: a pattern without `/`
 * is matched (Go filepath.Match) against the entry name, one with `/` against the whole path;
 * `ignoreCase` lower-cases both; `newer`/`older` bound the mtime. Subtrees with the same
 * contentId are walked once and their matches replayed (snapshots share most of their trees).
 * restic `cmd/restic/cmd_find.go`.
 */

import type { Entry, Repository, Snapshot } from '../../model.js';
import { compileGlob } from '../filter/go-glob.js';
import { matchPattern } from '../filter/pattern.js';
import { joinLocation } from '../walk/safe-name.js';

export interface FindOptions {
  patterns: readonly string[];
  ignoreCase?: boolean;
  /** only entries modified after / before (ns since epoch) */
  newerNs?: bigint;
  olderNs?: bigint;
  /** restrict the search to one type */
  type?: Entry['type'];
  signal?: AbortSignal;
}

export interface FindMatch {
  snapshot: Snapshot;
  path: string;
  entry: Entry;
}

interface RelMatch {
  rel: string;
  entry: Entry;
}

export function makeMatcher(options: FindOptions): (path: string, entry: Entry) => boolean {
  const fold = (s: string): string => (options.ignoreCase ? s.toLowerCase() : s);
  const tests = options.patterns.map((p) => {
    const pat = fold(p);
    if (pat.includes('/')) return (path: string, _name: string) => matchPattern(pat, path);
    const re = compileGlob(pat);
    return (_path: string, name: string) => re.test(name);
  });
  return (path, entry) => {
    if (options.type && entry.type !== options.type) return false;
    if (options.newerNs !== undefined && entry.mtimeNs <= options.newerNs) return false;
    if (options.olderNs !== undefined && entry.mtimeNs >= options.olderNs) return false;
    if (tests.length === 0) return true;
    const p = fold(path);
    const n = fold(entry.displayName);
    return tests.some((t) => t(p, n));
  };
}

export async function* find(
  repo: Pick<Repository, 'list' | 'root'>,
  snapshots: readonly Snapshot[],
  options: FindOptions,
): AsyncIterable<FindMatch> {
  const matches = makeMatcher(options);
  const anchored = options.patterns.some((p) => p.includes('/'));
  // memo: contentId of a directory → matches below it, relative to it (only for name-only patterns)
  const memo = new Map<string, RelMatch[]>();

  async function collect(dir: Entry, path: string): Promise<RelMatch[]> {
    const key = dir.contentId;
    if (!anchored && key !== undefined) {
      const hit = memo.get(key);
      if (hit) return hit;
    }
    const out: RelMatch[] = [];
    for await (const e of repo.list(dir)) {
      options.signal?.throwIfAborted();
      const p = joinLocation(path, e.displayName);
      if (matches(p, e)) out.push({ rel: '/' + e.displayName, entry: e });
      if (e.type === 'dir') {
        for (const m of await collect(e, p))
          out.push({ rel: '/' + e.displayName + m.rel, entry: m.entry });
      }
    }
    if (!anchored && key !== undefined) memo.set(key, out);
    return out;
  }

  for (const snapshot of snapshots) {
    const root = await repo.root(snapshot);
    for (const m of await collect(root, '/')) yield { snapshot, path: m.rel, entry: m.entry };
  }
}
