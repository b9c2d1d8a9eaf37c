/**
 * Index files (spec §9.1, §9.3, §9.4; restic internal/repository/index/index.go): JSON listing
 * which blobs each pack holds. `supersedes` and rustic's `packs_to_delete` are ignored; a legacy
 * top-level array is accepted as the list of packs. Every number is checked to be a u32.
 */

import { IntegrityError } from '../errors.js';
import type { BlobIndexBuilder } from './blob-index.js';
import { fromHex, isHex64 } from './ids.js';

const U32 = 0xffffffff;
/**
 * Largest blob accepted (stored or decompressed). Data blobs are ≤ 8 MiB (chunker maximum);
 * only the tree of a directory with millions of entries comes near this. It bounds what a
 * hostile index can make a reader allocate for one blob.
 */
export const MAX_BLOB_SIZE = 1024 * 1024 * 1024;

function u32(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= U32 ? v : undefined;
}

export interface IndexFileStats {
  packs: number;
  blobs: number;
  legacy: boolean;
}

/** Add the entries of one decoded index document to `builder`. */
export function addIndexFile(
  doc: unknown,
  builder: BlobIndexBuilder,
  version: number,
  what: string,
): IndexFileStats {
  const bad = (msg: string) => new IntegrityError(`${what}: ${msg}`, { what });
  let packs: unknown;
  let legacy = false;
  if (Array.isArray(doc)) {
    packs = doc;
    legacy = true;
  } else if (typeof doc === 'object' && doc !== null) {
    packs = (doc as { packs?: unknown }).packs ?? [];
  } else throw bad('not a JSON object');
  if (!Array.isArray(packs)) throw bad('"packs" is not an array');
  let blobs = 0;
  for (const p of packs as unknown[]) {
    if (typeof p !== 'object' || p === null) throw bad('pack entry is not an object');
    const pk = p as { id?: unknown; blobs?: unknown };
    if (!isHex64(pk.id)) throw bad('pack id is not 64 hex characters');
    if (!Array.isArray(pk.blobs)) throw bad(`pack ${pk.id}: "blobs" is not an array`);
    const packNum = builder.packNumber(pk.id.toLowerCase());
    for (const b of pk.blobs as unknown[]) {
      if (typeof b !== 'object' || b === null) throw bad('blob entry is not an object');
      const bl = b as {
        id?: unknown;
        type?: unknown;
        offset?: unknown;
        length?: unknown;
        uncompressed_length?: unknown;
      };
      if (!isHex64(bl.id)) throw bad('blob id is not 64 hex characters');
      if (bl.type !== 'data' && bl.type !== 'tree')
        throw bad(`unknown blob type ${String(bl.type)}`);
      const offset = u32(bl.offset);
      const length = u32(bl.length);
      const raw = bl.uncompressed_length === undefined ? 0 : u32(bl.uncompressed_length);
      if (offset === undefined || length === undefined || raw === undefined)
        throw bad(`blob ${bl.id}: offset or length out of range`);
      if (length <= 16) throw bad(`blob ${bl.id}: invalid blob length ${length}`);
      if (length > MAX_BLOB_SIZE || raw > MAX_BLOB_SIZE)
        throw bad(`blob ${bl.id}: length ${Math.max(length, raw)} exceeds ${MAX_BLOB_SIZE}`);
      if (raw !== 0 && version < 2)
        throw bad('index uses feature not supported by repository version 1');
      builder.add(fromHex(bl.id), bl.type, packNum, offset, length, raw);
      blobs++;
    }
  }
  return { packs: packs.length, blobs, legacy };
}
