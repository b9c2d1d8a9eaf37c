/**
 * Incremental access to a tree's `{"nodes":[…]}` JSON (spec §11): finds each element of the
 * `nodes` array by scanning, without parsing the whole document, so a huge directory is parsed
 * one node at a time. Keys other than `nodes` are skipped; `"nodes": null` is an empty list.
 */

export class JsonScanError extends Error {}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

function skipWs(s: string, i: number): number {
  while (i < s.length && WS.has(s.charCodeAt(i))) i++;
  return i;
}

function skipString(s: string, i: number): number {
  // s[i] === '"'
  i++;
  for (;;) {
    const q = s.indexOf('"', i);
    if (q < 0) throw new JsonScanError('unterminated string');
    let bs = 0;
    for (let k = q - 1; k >= i && s.charCodeAt(k) === 0x5c; k--) bs++;
    if (bs % 2 === 0) return q + 1;
    i = q + 1;
  }
}

/** Index just after the JSON value starting at `i` (whitespace already skipped). */
export function skipValue(s: string, i: number): number {
  const c = s[i];
  if (c === '"') return skipString(s, i);
  if (c === '{' || c === '[') {
    let depth = 0;
    while (i < s.length) {
      const ch = s[i];
      if (ch === '"') {
        i = skipString(s, i);
        continue;
      }
      if (ch === '{' || ch === '[') depth++;
      else if (ch === '}' || ch === ']') {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
    throw new JsonScanError('unterminated object or array');
  }
  const m = /^(?:-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(s.slice(i, i + 400));
  if (!m) throw new JsonScanError(`unexpected character at ${i}`);
  return i + m[0].length;
}

/** Yield the source text of each element of the top-level object's `nodes` array. */
export function* scanTreeNodes(s: string): Generator<string> {
  let i = skipWs(s, 0);
  if (s[i] !== '{') throw new JsonScanError('tree is not a JSON object');
  i = skipWs(s, i + 1);
  if (s[i] === '}') return;
  for (;;) {
    if (s[i] !== '"') throw new JsonScanError('expected a key');
    const keyEnd = skipString(s, i);
    const key = JSON.parse(s.slice(i, keyEnd)) as string;
    i = skipWs(s, keyEnd);
    if (s[i] !== ':') throw new JsonScanError('expected ":"');
    i = skipWs(s, i + 1);
    if (key === 'nodes' && s[i] === '[') {
      i = skipWs(s, i + 1);
      if (s[i] === ']') i++;
      else
        for (;;) {
          const end = skipValue(s, i);
          yield s.slice(i, end);
          i = skipWs(s, end);
          if (s[i] === ',') {
            i = skipWs(s, i + 1);
            continue;
          }
          if (s[i] === ']') {
            i++;
            break;
          }
          throw new JsonScanError('expected "," or "]" in nodes');
        }
    } else {
      i = skipValue(s, i);
    }
    i = skipWs(s, i);
    if (s[i] === ',') {
      i = skipWs(s, i + 1);
      continue;
    }
    if (s[i] === '}') break;
    throw new JsonScanError('expected "," or "}"');
  }
  if (skipWs(s, i + 1) !== s.length) throw new JsonScanError('trailing data after tree');
}

const bigIntPatterns = new Map<string, RegExp>();

/**
 * `text` with every integer of 16+ digits that is the value of one of the named keys turned into
 * a string, so JSON.parse keeps it exact (spec §20.1). A key pattern preceded by `{` or `,`
 * cannot occur inside a JSON string, where every `"` is escaped; nested objects match too.
 */
export function quoteBigInts(text: string, keys: readonly string[]): string {
  const cacheKey = keys.join('|');
  let re = bigIntPatterns.get(cacheKey);
  if (!re) {
    re = new RegExp(`([{,]\\s*"(?:${cacheKey})"\\s*:\\s*)(-?\\d{16,})`, 'g');
    bigIntPatterns.set(cacheKey, re);
  }
  return text.replace(re, '$1"$2"');
}

/** true when one of the named keys of `o` holds a number JSON.parse could not keep exact */
export function hasUnsafeInt(o: Record<string, unknown>, keys: readonly string[]): boolean {
  for (const k of keys) {
    const v = o[k];
    if (typeof v === 'number' && !Number.isSafeInteger(v)) return true;
  }
  return false;
}

/**
 * JSON.parse of one object that keeps large integers of the named top-level keys exact: only
 * when one of them parses to an unsafe integer is the text parsed again through `quoteBigInts`.
 * Most texts need the one plain parse.
 */
export function parseWithBigInts(text: string, keys: readonly string[]): unknown {
  const plain = JSON.parse(text) as unknown;
  if (typeof plain !== 'object' || plain === null) return plain;
  if (!hasUnsafeInt(plain as Record<string, unknown>, keys)) return plain;
  return JSON.parse(quoteBigInts(text, keys));
}
