/**
 * restic's include/exclude patterns: a pattern is split into `/`-separated components after
 * Go's path.Clean; a leading `/` anchors it at the snapshot root, otherwise it may match at any
 * depth (so `foo` matches any component `foo`, `*.log` any `.log` entry, `a/b` any `a/b`);
 * `**` matches any number of components; a leading `!` negates (re-includes what earlier
 * patterns excluded). A path matches when the pattern matches its last components, which makes
 * a match on a directory cover everything below it in restore (restic selects children of a
 * selected directory because their paths are matched against the same patterns by suffix).
 * restic `internal/filter/filter.go` (preparePattern, match, childMatch, list).
 */

import { compileGlob } from './go-glob.js';

interface Part {
  /** '/' for the root marker, '' for `**`, else a component pattern */
  readonly text: string;
  /** compared as a string (no glob characters) */
  readonly simple: boolean;
  readonly re?: RegExp;
}

export interface Pattern {
  readonly original: string;
  readonly parts: readonly Part[];
  readonly negated: boolean;
}

/** Go `path.Clean` on '/'-separated paths */
export function cleanPath(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const c of p.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(c);
  }
  const joined = out.join('/');
  if (rooted) return '/' + joined;
  return joined === '' ? '.' : joined;
}

/** components of a cleaned path; an absolute path starts with the marker '/' */
export function splitPath(p: string): string[] {
  const parts = p.split('/');
  if (parts[0] === '') parts[0] = '/';
  return parts;
}

export function parsePattern(original: string): Pattern {
  let text = original;
  let negated = false;
  if (text.startsWith('!')) {
    negated = true;
    text = text.slice(1);
  }
  const parts = splitPath(cleanPath(text)).map((c): Part => {
    const simple = !/[\\[\]*?]/.test(c);
    if (c === '**') return { text: '', simple: false };
    return simple ? { text: c, simple } : { text: c, simple, re: compileGlob(c) };
  });
  return { original, parts, negated };
}

function partMatches(part: Part, s: string): boolean {
  if (part.simple) return part.text === s;
  if (part.re) return part.re.test(s);
  return part.text === s;
}

function doubleWildcardAt(parts: readonly Part[]): number {
  return parts.findIndex((p) => p.text === '' && !p.simple);
}

/** does the pattern match the path components `strs` (from splitPath of an absolute path)? */
export function matchParts(parts: readonly Part[], strs: readonly string[]): boolean {
  const pos = doubleWildcardAt(parts);
  if (pos >= 0) {
    // expand `**` into 0, 1, 2, ... single-component wildcards
    const star: Part = { text: '*', simple: false, re: /^.*$/su };
    const prefix = parts.slice(0, pos);
    const suffix = parts.slice(pos + 1);
    for (let n = 0; n <= strs.length - parts.length + 1; n++) {
      const expanded = [...prefix, ...Array<Part>(n).fill(star), ...suffix];
      if (matchParts(expanded, strs)) return true;
    }
    return false;
  }
  if (parts.length === 0) return strs.length === 0;
  if (parts.length > strs.length) return false;
  let minOffset = 0;
  let maxOffset = strs.length - parts.length;
  if (parts[0]!.text === '/' && parts[0]!.simple) maxOffset = 0;
  else if (strs[0] === '/') minOffset = 1;
  outer: for (let offset = maxOffset; offset >= minOffset; offset--) {
    for (let i = parts.length - 1; i >= 0; i--) {
      if (!partMatches(parts[i]!, strs[offset + i]!)) continue outer;
    }
    return true;
  }
  return false;
}

/** could a path below `strs` match? (restic childMatch: only anchored patterns can say no) */
export function childMayMatch(parts: readonly Part[], strs: readonly string[]): boolean {
  if (!(parts[0]?.text === '/' && parts[0].simple)) return true;
  let s = strs;
  const pos = doubleWildcardAt(parts);
  if (pos >= 0 && s.length >= pos) s = s.slice(0, pos);
  const l = Math.min(s.length, parts.length);
  return matchParts(parts.slice(0, l), s);
}

/**
 * restic `list`: whether any pattern matches (negated ones un-match), and, when asked, whether a
 * child of the path may still match.
 */
export function matchList(
  patterns: readonly Pattern[],
  path: string,
  withChild: boolean,
): { matched: boolean; childMayMatch: boolean } {
  let matched = false;
  let child = false;
  if (patterns.length === 0 || path === '') return { matched, childMayMatch: child };
  const strs = splitPath(path);
  const hasNegated = patterns.some((p) => p.negated);
  for (const p of patterns) {
    const m = matchParts(p.parts, strs);
    const c = withChild ? childMayMatch(p.parts, strs) : true;
    if (p.negated) {
      matched = matched && !m;
      child = child && !m;
    } else {
      matched = matched || m;
      child = child || c;
      if (matched && child && !hasNegated) break;
    }
  }
  return { matched, childMayMatch: child };
}

/** restic filter.Match: one pattern against one path (the empty pattern matches everything) */
export function matchPattern(pattern: string, path: string): boolean {
  if (pattern === '') return true;
  return matchParts(parsePattern(pattern).parts, splitPath(path));
}

/** restic filter.ChildMatch */
export function childMatchPattern(pattern: string, path: string): boolean {
  if (pattern === '') return true;
  return childMayMatch(parsePattern(pattern).parts, splitPath(path));
}
