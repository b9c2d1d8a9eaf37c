/**
 * Pack files (spec §8; restic internal/repository/pack/pack.go):
 *
 *   blob_1 || … || blob_n || H (encrypted header) || L (u32 LE, length of H)
 *
 * Header entries, in file order: type(1) | length u32(4) | [uncompressed u32(4), types 2/3] |
 * id(32). Offsets are implicit. Blob decoding: decrypt (MAC first), zstd when compressed with
 * the output bounded by the indexed length, then SHA-256 against the id (spec §8.5).
 */

import { zstdDecompressSync, zstdReady } from '../compress/zstd.js';
import { sha256Hex } from '../crypto/sha256.js';
import { IntegrityError } from '../errors.js';
import type { Storage } from '../storage/storage.js';
import type { RunOutput } from '../util/run-pool.js';
import { SinkScratch, writeSinks, type Sink } from '../util/sinks.js';
import type { BlobType } from './blob-index.js';
import { decryptObject, DecryptError, OVERHEAD, type ResticKey } from './crypto.js';
import { toHex } from './ids.js';
import { packName } from './layout.js';

export const MIN_PACK_SIZE = 73;
export const MAX_HEADER_SIZE = 16 * 1024 * 1024;
/** 15 entries × 41 bytes + 32 + 4: one read usually gets the whole header (spec §8.4). */
export const EAGER_TAIL = 651;

export interface PackHeaderEntry {
  readonly type: BlobType;
  readonly compressed: boolean;
  readonly id: string;
  readonly offset: number;
  readonly length: number;
  readonly uncompressedLength: number;
}

/** Parse a decrypted header table (spec §8.2). */
export function parsePackHeader(plain: Uint8Array, what: string): PackHeaderEntry[] {
  const out: PackHeaderEntry[] = [];
  const dv = new DataView(plain.buffer, plain.byteOffset, plain.byteLength);
  let pos = 0;
  let offset = 0;
  while (pos < plain.length) {
    const t = plain[pos]!;
    if (t > 3) throw new IntegrityError(`${what}: invalid type ${t} in pack header`, { what });
    const compressed = t >= 2;
    const size = compressed ? 41 : 37;
    if (pos + size > plain.length)
      throw new IntegrityError(`${what}: truncated pack header entry`, { what });
    const length = dv.getUint32(pos + 1, true);
    const uncompressedLength = compressed ? dv.getUint32(pos + 5, true) : 0;
    const id = toHex(plain.subarray(pos + size - 32, pos + size));
    if (length <= 16) throw new IntegrityError(`${what}: invalid blob length ${length}`, { what });
    out.push({
      type: t % 2 === 1 ? 'tree' : 'data',
      compressed: compressed && uncompressedLength !== 0,
      id,
      offset,
      length,
      uncompressedLength,
    });
    offset += length;
    pos += size;
  }
  return out;
}

/** Read and parse a pack's header with one or two ranged reads (spec §8.3, §8.4). */
export async function readPackHeader(
  storage: Storage,
  key: ResticKey,
  packId: string,
  size: number,
): Promise<PackHeaderEntry[]> {
  const name = packName(packId);
  if (size < MIN_PACK_SIZE) throw new IntegrityError(`${name}: file is too short`, { name, size });
  const eager = Math.min(size, EAGER_TAIL);
  let tail = await storage.read(name, { offset: size - eager, length: eager });
  const hl = new DataView(tail.buffer, tail.byteOffset, tail.byteLength).getUint32(eager - 4, true);
  if (hl < 32) throw new IntegrityError(`${name}: header length is too short`, { name });
  if (hl > size - 4) throw new IntegrityError(`${name}: header is larger than file`, { name });
  if (hl > MAX_HEADER_SIZE)
    throw new IntegrityError(`${name}: header is larger than maxHeaderSize`, { name });
  if (hl + 4 > eager) tail = await storage.read(name, { offset: size - hl - 4, length: hl + 4 });
  const h = tail.subarray(tail.length - 4 - hl, tail.length - 4);
  let plain: Uint8Array;
  try {
    plain = decryptObject(key, h);
  } catch (e) {
    throw new IntegrityError(`${name}: pack header: ${String(e)}`, { name }, { cause: e });
  }
  return parsePackHeader(plain, name);
}

export interface BlobRef {
  readonly id: string;
  readonly type: BlobType;
  readonly packId: string;
  readonly uncompressedLength: number;
}

/** a blob's plaintext length: its uncompressed length, or its stored length less the crypto overhead */
export function plainLength(ref: BlobRef & { readonly length: number }): number {
  return ref.uncompressedLength !== 0 ? ref.uncompressedLength : ref.length - OVERHEAD;
}

/** this thread's scratch for compressed blobs' decryptions (see decodeBlob), grown as needed */
let scratch = new Uint8Array(0);
const SCRATCH_MAX = 16 * 1024 * 1024;

function scratchOf(n: number): Uint8Array | undefined {
  if (n < 0 || n > SCRATCH_MAX) return undefined;
  if (scratch.length < n) scratch = new Uint8Array(Math.max(n, 1024 * 1024));
  return scratch.subarray(0, n);
}

/**
 * Verify and decode one blob's stored bytes (spec §8.5). With `into` (exactly `plainLength`
 * bytes, e.g. a slot of one buffer for a run of blobs) the plaintext is written there and the
 * result is a view of it: an uncompressed blob is decrypted straight into it, a compressed one
 * into this thread's scratch buffer that zstd then reads (nothing awaits in between, so no other
 * decode on this thread can take the scratch meanwhile). Without `into`, new buffers.
 */
export async function decodeBlob(
  key: ResticKey,
  stored: Uint8Array,
  ref: BlobRef,
  into?: Uint8Array,
): Promise<Uint8Array> {
  const what = `pack ${ref.packId}, ${ref.type} blob ${ref.id}`;
  const compressed = ref.uncompressedLength !== 0;
  if (compressed) await zstdReady();
  const cipherLength = stored.length - OVERHEAD;
  const target = !into
    ? undefined
    : compressed
      ? scratchOf(cipherLength)
      : into.length === cipherLength
        ? into
        : undefined;
  let plain: Uint8Array;
  try {
    plain = decryptObject(key, stored, target);
  } catch (e) {
    const reason = e instanceof DecryptError ? e.message : String(e);
    throw new IntegrityError(
      `${what}: ${reason}`,
      { pack: ref.packId, blob: ref.id },
      { cause: e },
    );
  }
  if (compressed) {
    try {
      plain = zstdDecompressSync(plain, {
        maxLength: ref.uncompressedLength,
        exactLength: ref.uncompressedLength,
        inPlace: target === undefined, // a new decryption is ours alone; the scratch is not
        into,
      });
    } catch (e) {
      throw new IntegrityError(
        `${what}: cannot decompress: ${String(e)}`,
        { pack: ref.packId, blob: ref.id },
        { cause: e },
      );
    }
  } else if (into && plain !== into) {
    throw new IntegrityError(`${what}: ${plain.length} bytes where ${into.length} were expected`, {
      pack: ref.packId,
      blob: ref.id,
    });
  }
  // the id is public: a plain string compare, no constant time needed
  if (sha256Hex(plain) !== ref.id)
    throw new IntegrityError(`${what}: wrong data returned (hash mismatch)`, {
      pack: ref.packId,
      blob: ref.id,
    });
  return plain;
}

/** this thread's buffer for plaintexts that go to sinks (decodeBlobRun) */
const sinkScratch = new SinkScratch();

/**
 * Verify and decode a run of blobs whose stored bytes lie in `input` (each at its `offset`,
 * `length`) into one new buffer, each blob straight into its slot (its plaintext length is known
 * from the index), so the run crosses back from a worker thread as one transferred buffer. A
 * blob with sinks (util/sinks.ts) is decoded into this thread's reused scratch instead, written
 * to its sinks at once, and takes no room in the answer (an empty slot).
 */
export async function decodeBlobRun(
  key: ResticKey,
  input: Uint8Array,
  blobs: readonly (BlobRef & {
    readonly offset: number;
    readonly length: number;
    readonly sinks?: readonly Sink[];
  })[],
): Promise<RunOutput> {
  const ends: number[] = [];
  let total = 0;
  let sunk = 0;
  for (const b of blobs) {
    if (b.sinks) sunk = Math.max(sunk, plainLength(b));
    else total += plainLength(b);
    ends.push(total);
  }
  const out = new Uint8Array(total);
  const scratch = sunk > 0 ? sinkScratch.take(sunk) : undefined;
  try {
    for (let i = 0; i < blobs.length; i++) {
      const b = blobs[i]!;
      const stored = input.subarray(b.offset, b.offset + b.length);
      if (b.sinks) {
        const plain = await decodeBlob(key, stored, b, scratch!.buf.subarray(0, plainLength(b)));
        writeSinks(plain, b.sinks, `pack ${b.packId}, ${b.type} blob ${b.id}`);
      } else {
        await decodeBlob(key, stored, b, out.subarray(i === 0 ? 0 : ends[i - 1]!, ends[i]));
      }
    }
  } finally {
    scratch?.release();
  }
  return { data: out.buffer, ends };
}
