/**
 * Reading the JSON kopia writes with Go's encoding/json: exact key names first, then a
 * case-insensitive match as Go's decoder does; standard padded base64 for []byte fields; typed
 * getters that turn a wrong shape into an IntegrityError naming the document.
 * spec §0 (conventions)
 */

import { IntegrityError } from '../errors.js';

export type JsonObject = Record<string, unknown>;

export function parseJson(bytes: Uint8Array, what: string): unknown {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (e) {
    throw new IntegrityError(`${what} is not valid UTF-8`, { what }, { cause: e });
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new IntegrityError(`${what} is not valid JSON`, { what }, { cause: e });
  }
}

export function asObject(v: unknown, what: string): JsonObject {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new IntegrityError(`${what} is not a JSON object`, { what });
  }
  return v as JsonObject;
}

/** `o[name]`, or the first key equal to it case-insensitively (Go's rule) */
export function field(o: JsonObject, name: string): unknown {
  if (Object.hasOwn(o, name)) return o[name];
  const lower = name.toLowerCase();
  for (const k of Object.keys(o)) if (k.toLowerCase() === lower) return o[k];
  return undefined;
}

export function str(o: JsonObject, name: string, what: string): string | undefined {
  const v = field(o, name);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string')
    throw new IntegrityError(`${what}: "${name}" is not a string`, { what });
  return v;
}

export function num(o: JsonObject, name: string, what: string): number | undefined {
  const v = field(o, name);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new IntegrityError(`${what}: "${name}" is not a number`, { what });
  }
  return v;
}

export function bool(o: JsonObject, name: string, what: string): boolean | undefined {
  const v = field(o, name);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean')
    throw new IntegrityError(`${what}: "${name}" is not a boolean`, { what });
  return v;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) B64_INDEX[B64.charCodeAt(i)] = i;

/** RFC 4648 §4 base64 with padding, as Go encodes []byte; undefined when malformed */
export function decodeBase64(s: string): Uint8Array | undefined {
  if (s.length % 4 !== 0) return undefined;
  let pad = 0;
  if (s.endsWith('==')) pad = 2;
  else if (s.endsWith('=')) pad = 1;
  const out = new Uint8Array((s.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < s.length; i += 4) {
    let v = 0;
    for (let j = 0; j < 4; j++) {
      const c = s.charCodeAt(i + j);
      let d: number;
      if (c === 61 /* = */ && i + 4 === s.length && j >= 4 - pad) d = 0;
      else d = c < 128 ? B64_INDEX[c]! : -1;
      if (d < 0) return undefined;
      v = (v << 6) | d;
    }
    if (o < out.length) out[o++] = (v >> 16) & 255;
    if (o < out.length) out[o++] = (v >> 8) & 255;
    if (o < out.length) out[o++] = v & 255;
  }
  return out;
}

export function bytesField(o: JsonObject, name: string, what: string): Uint8Array | undefined {
  const s = str(o, name, what);
  if (s === undefined) return undefined;
  const b = decodeBase64(s);
  if (!b) throw new IntegrityError(`${what}: "${name}" is not valid base64`, { what });
  return b;
}
