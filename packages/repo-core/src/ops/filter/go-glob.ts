/**
 * One path component matched like Go's `path/filepath.Match` (restic's filters are built on it):
 * `*` any run of characters, `?` one character, `[a-z]` / `[^a-z]` classes, `\x` a literal x.
 * In a class, `-` and `]` must be escaped unless they form a range or close it; an unclosed class
 * or a trailing backslash is a bad pattern. Compiled once to an anchored RegExp over code points.
 * Go `path/filepath/match.go` (Match, scanChunk, matchChunk, getEsc).
 */

import { UsageError } from '../../errors.js';

/** thrown (as UsageError) for a pattern Go's filepath.Match rejects with ErrBadPattern */
export function badPattern(pattern: string, why: string): UsageError {
  return new UsageError(`invalid pattern ${JSON.stringify(pattern)}: ${why}`, { pattern });
}

function escapeRegExpChar(c: string): string {
  return `\\u{${c.codePointAt(0)!.toString(16)}}`;
}

/** Compiles one component pattern; `isSimple` ones are compared as strings by the caller. */
export function compileGlob(pattern: string): RegExp {
  const cps = Array.from(pattern);
  let out = '^';
  let i = 0;
  while (i < cps.length) {
    const c = cps[i]!;
    if (c === '*') {
      out += '.*';
      i++;
    } else if (c === '?') {
      out += '.';
      i++;
    } else if (c === '\\') {
      if (i + 1 >= cps.length) throw badPattern(pattern, 'trailing backslash');
      out += escapeRegExpChar(cps[i + 1]!);
      i += 2;
    } else if (c === '[') {
      i++;
      let negate = false;
      if (cps[i] === '^') {
        negate = true;
        i++;
      }
      let cls = '';
      let nrange = 0;
      for (;;) {
        if (i < cps.length && cps[i] === ']' && nrange > 0) {
          i++;
          break;
        }
        const [lo, afterLo] = classChar(pattern, cps, i);
        i = afterLo;
        let hi = lo;
        if (cps[i] === '-') {
          const [h, afterHi] = classChar(pattern, cps, i + 1);
          hi = h;
          i = afterHi;
        }
        if (hi.codePointAt(0)! < lo.codePointAt(0)!) {
          // Go accepts a reversed range and matches nothing with it
          cls += '';
        } else {
          cls +=
            lo === hi ? escapeRegExpChar(lo) : `${escapeRegExpChar(lo)}-${escapeRegExpChar(hi)}`;
        }
        nrange++;
      }
      out += cls === '' ? (negate ? '[^]' : '(?!)') : `[${negate ? '^' : ''}${cls}]`;
    } else {
      out += escapeRegExpChar(c);
      i++;
    }
  }
  return new RegExp(out + '$', 'su');
}

/** one class character (Go getEsc): `-` and `]` must be escaped, the class must be closed */
function classChar(pattern: string, cps: string[], i: number): [string, number] {
  const c = cps[i];
  if (c === undefined) throw badPattern(pattern, 'unclosed character class');
  if (c === '-' || c === ']') throw badPattern(pattern, `unescaped ${c} in character class`);
  if (c === '\\') {
    const e = cps[i + 1];
    if (e === undefined) throw badPattern(pattern, 'trailing backslash in character class');
    return [e, i + 2];
  }
  return [c, i + 1];
}
