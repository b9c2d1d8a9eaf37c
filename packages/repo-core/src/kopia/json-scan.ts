/**
 * Scanning a large JSON document without parsing it whole: the spans of the top-level keys'
 * values and the elements of one array, so a directory of a million entries is parsed one
 * entry at a time. Structure errors become IntegrityErrors naming the document.
 */

import { IntegrityError } from '../errors.js';

const isWs = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

function skipWs(s: string, i: number): number {
  while (i < s.length && isWs(s.charCodeAt(i))) i++;
  return i;
}

function skipString(s: string, i: number, what: string): number {
  for (let k = i + 1; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c === 0x5c) k++;
    else if (c === 0x22) return k + 1;
  }
  throw new IntegrityError(`${what}: unterminated string`);
}

/** index just after the value starting at `i` (no leading whitespace) */
function skipValue(s: string, i: number, what: string): number {
  const c = s.charCodeAt(i);
  if (c === 0x22) return skipString(s, i, what);
  if (c === 0x7b || c === 0x5b) {
    let depth = 0;
    for (let k = i; k < s.length; k++) {
      const d = s.charCodeAt(k);
      if (d === 0x22) k = skipString(s, k, what) - 1;
      else if (d === 0x7b || d === 0x5b) depth++;
      else if (d === 0x7d || d === 0x5d) {
        depth--;
        if (depth === 0) return k + 1;
      }
    }
    throw new IntegrityError(`${what}: unterminated ${c === 0x7b ? 'object' : 'array'}`);
  }
  let k = i;
  while (k < s.length) {
    const d = s.charCodeAt(k);
    if (d === 0x2c || d === 0x7d || d === 0x5d || isWs(d)) break;
    k++;
  }
  if (k === i) throw new IntegrityError(`${what}: value expected at ${i}`);
  return k;
}

export interface Span {
  readonly start: number;
  readonly end: number;
}

/** key → value span of the top-level object (first occurrence wins) */
export function topLevelSpans(s: string, what: string): Map<string, Span> {
  const out = new Map<string, Span>();
  let i = skipWs(s, 0);
  if (s.charCodeAt(i) !== 0x7b) throw new IntegrityError(`${what}: not a JSON object`);
  i = skipWs(s, i + 1);
  if (s.charCodeAt(i) === 0x7d) return out;
  for (;;) {
    if (s.charCodeAt(i) !== 0x22) throw new IntegrityError(`${what}: key expected`);
    const kEnd = skipString(s, i, what);
    const key = JSON.parse(s.slice(i, kEnd)) as string;
    i = skipWs(s, kEnd);
    if (s.charCodeAt(i) !== 0x3a) throw new IntegrityError(`${what}: ':' expected`);
    i = skipWs(s, i + 1);
    const vEnd = skipValue(s, i, what);
    if (!out.has(key)) out.set(key, { start: i, end: vEnd });
    i = skipWs(s, vEnd);
    const c = s.charCodeAt(i);
    if (c === 0x7d) return out;
    if (c !== 0x2c) throw new IntegrityError(`${what}: ',' or '}' expected`);
    i = skipWs(s, i + 1);
  }
}

/** the element spans of the array at `span` (`null` is an empty array) */
export function* arrayElements(s: string, span: Span, what: string): Generator<Span> {
  let i = span.start;
  if (s.startsWith('null', i)) return;
  if (s.charCodeAt(i) !== 0x5b) throw new IntegrityError(`${what}: array expected`);
  i = skipWs(s, i + 1);
  if (s.charCodeAt(i) === 0x5d) return;
  for (;;) {
    const end = skipValue(s, i, what);
    yield { start: i, end };
    i = skipWs(s, end);
    const c = s.charCodeAt(i);
    if (c === 0x5d) return;
    if (c !== 0x2c) throw new IntegrityError(`${what}: ',' or ']' expected`);
    i = skipWs(s, i + 1);
  }
}

export function parseSpan(s: string, span: Span, what: string): unknown {
  try {
    return JSON.parse(s.slice(span.start, span.end));
  } catch (e) {
    throw new IntegrityError(`${what}: invalid JSON`, {}, { cause: e });
  }
}
