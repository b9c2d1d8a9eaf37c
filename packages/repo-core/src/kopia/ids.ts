/**
 * Typed ids of the kopia format: blob ids (storage names), content ids (index keys) and object
 * ids (what directories point at), and the conversions between a content id's string form and
 * the binary key the indexes sort by.
 * spec §2.1, §8, §13.1; kopia repo/content/index/id.go, repo/object/objectid.go
 */

import { IntegrityError, UsageError } from '../errors.js';

declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

/** a storage blob name: `p…`, `q…`, `xn0_…`, `kopia.repository` */
export type BlobId = Brand<string, 'kopia.BlobId'>;
/** `[prefix letter g-z] hex(hash)` */
export type ContentId = Brand<string, 'kopia.ContentId'>;
/** `I* [Z] [D] contentId` */
export type ObjectId = Brand<string, 'kopia.ObjectId'>;

export const blobId = (s: string): BlobId => s as BlobId;

const HEX = '0123456789abcdef';

export function toHex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) {
    const v = b[i]!;
    s += HEX[v >> 4]! + HEX[v & 15]!;
  }
  return s;
}

function hexNibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** lowercase hex → bytes, or undefined when not even-length lowercase hex */
export function fromHex(s: string): Uint8Array | undefined {
  if (s.length % 2 !== 0) return undefined;
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = hexNibble(s.charCodeAt(2 * i));
    const lo = hexNibble(s.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) return undefined;
    out[i] = (hi << 4) | lo;
  }
  return out;
}

/** a content id split into its prefix letter ('' if none) and hash bytes */
export interface ParsedContentId {
  readonly prefix: string;
  readonly hash: Uint8Array;
}

function isPrefixLetter(c: number): boolean {
  return c >= 0x67 /* g */ && c <= 0x7a /* z */;
}

/** spec §8: an odd-length id has a one-letter prefix g..z; the rest is lowercase hex */
export function parseContentId(id: string): ParsedContentId {
  let prefix = '';
  let rest = id;
  if (id.length % 2 === 1) {
    if (!isPrefixLetter(id.charCodeAt(0))) throw new UsageError(`invalid content id ${id}`, { id });
    prefix = id[0]!;
    rest = id.slice(1);
  }
  const hash = rest.length >= 2 ? fromHex(rest) : undefined;
  if (!hash) throw new UsageError(`invalid content id ${id}`, { id });
  return { prefix, hash };
}

export function contentId(s: string): ContentId {
  parseContentId(s);
  return s as ContentId;
}

/** spec §8: index key = prefix byte (0 when none) ‖ hash */
export function contentIdToKey(id: string): Uint8Array {
  const { prefix, hash } = parseContentId(id);
  const key = new Uint8Array(1 + hash.length);
  key[0] = prefix === '' ? 0 : prefix.charCodeAt(0);
  key.set(hash, 1);
  return key;
}

/** the string form of the key at `key[off .. off+size)` */
export function keyToContentId(key: Uint8Array, off = 0, size = key.length - off): ContentId {
  const p = key[off]!;
  let s = '';
  if (p !== 0) {
    if (!isPrefixLetter(p)) {
      throw new IntegrityError(`index key with invalid content id prefix byte 0x${p.toString(16)}`);
    }
    s = String.fromCharCode(p);
  }
  return (s + toHex(key.subarray(off + 1, off + size))) as ContentId;
}

/** spec §13.1 */
export interface ParsedObjectId {
  /** number of leading `I`s */
  readonly indirection: number;
  /** `Z`: the content is an object-level compressed payload (§7.2b) */
  readonly compressed: boolean;
  readonly content: ContentId;
}

export function parseObjectId(id: string): ParsedObjectId {
  let i = 0;
  while (id[i] === 'I') i++;
  const indirection = i;
  let compressed = false;
  if (id[i] === 'Z') {
    compressed = true;
    i++;
  }
  if (id[i] === 'D') i++;
  if (indirection > 0 && compressed) {
    throw new IntegrityError(`invalid object id ${id}: indirect and compressed`, { objectId: id });
  }
  const rest = id.slice(i);
  try {
    return { indirection, compressed, content: contentId(rest) };
  } catch (e) {
    throw new IntegrityError(
      `invalid object id ${JSON.stringify(id)}`,
      { objectId: id },
      { cause: e },
    );
  }
}

export function objectId(s: string): ObjectId {
  parseObjectId(s);
  return s as ObjectId;
}
