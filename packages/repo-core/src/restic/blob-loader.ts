/**
 * Loads blobs through the index: one ranged read per run of blobs that sit close together in
 * one pack (spec §14 batching; restic streamPack: gaps ≤ 1 MiB, spans ≤ a bound), each blob
 * verified on its own (pack.ts decodeBlob). If a copy fails and the index knows another, the
 * other is tried. Missing packs become MissingObjectError naming the pack and blob. Runs of data
 * blobs large enough to pay for the message decode in worker threads (decode-pool.ts); trees,
 * small and cached, decode here.
 */

import { IntegrityError, MissingObjectError } from '../errors.js';
import type { Storage } from '../storage/storage.js';
import type { BlobCache } from '../cache/blob-cache.js';
import type { BlobIndex, BlobLocation, BlobType } from './blob-index.js';
import type { ResticKey } from './crypto.js';
import { RecentValues } from '../util/recent.js';
import type { Sink } from '../util/sinks.js';
import { packName } from './layout.js';
import type { DecodePool } from './decode-pool.js';
import { decodeBlob } from './pack.js';

/** Largest gap between two blobs still read in one request. */
export const MAX_GAP = 1024 * 1024;
/** Largest span of one request. */
export const MAX_SPAN = 8 * 1024 * 1024;

/** Decoded tree blobs kept in memory (trees repeat across snapshots and walks). */
export const TREE_LRU_BYTES = 32 * 1024 * 1024;

/** Smallest run of data blobs sent to the decode pool (smaller ones cost more to send). */
export const POOL_MIN_BYTES = 64 * 1024;

export interface BlobLoaderOptions {
  /** worker threads for data runs; undefined = decode everything on this thread */
  pool?: DecodePool;
  /** smallest run span sent to the pool (default POOL_MIN_BYTES; 0 = every data run) */
  poolMinBytes?: number;
}

/** recently decoded data blobs kept for reuse (util/recent.ts): ≤ 4 × 8 MiB */
const RECENT_BLOBS = 4;
const RECENT_BLOB_MAX = 8 * 1024 * 1024;

export class BlobLoader {
  readonly #trees = new Map<string, Uint8Array>();
  #treeBytes = 0;
  readonly #recent = new RecentValues<Uint8Array>(RECENT_BLOBS, RECENT_BLOB_MAX);

  constructor(
    readonly storage: Storage,
    readonly key: ResticKey,
    readonly index: BlobIndex,
    readonly cache?: BlobCache,
    readonly options: BlobLoaderOptions = {},
  ) {}

  locate(type: BlobType, id: string): BlobLocation[] {
    const locs = this.index.lookup(type, id);
    if (locs.length === 0)
      throw new MissingObjectError(`${type} blob ${id} (not in any index)`, { blob: id, type });
    return locs;
  }

  /** One blob, verified; other copies are tried when one fails. Trees are kept in an LRU. */
  async load(type: BlobType, id: string): Promise<Uint8Array> {
    if (type !== 'tree') return this.#load(type, id);
    const hit = this.#trees.get(id);
    if (hit) {
      this.#trees.delete(id);
      this.#trees.set(id, hit);
      return hit;
    }
    const tree = await this.#load(type, id);
    if (tree.length <= TREE_LRU_BYTES / 4) {
      this.#trees.set(id, tree);
      this.#treeBytes += tree.length;
      for (const [k, v] of this.#trees) {
        if (this.#treeBytes <= TREE_LRU_BYTES) break;
        this.#trees.delete(k);
        this.#treeBytes -= v.length;
      }
    }
    return tree;
  }

  async #load(type: BlobType, id: string): Promise<Uint8Array> {
    const locs = this.locate(type, id);
    if (this.cache && type === 'tree') {
      const hit = await this.cache.get(type, id);
      if (hit) {
        try {
          return await decodeBlob(this.key, hit.stored, {
            ...locs[0]!,
            uncompressedLength: hit.uncompressedLength,
          });
        } catch {
          await this.cache.drop(type, id);
        }
      }
    }
    let first: unknown;
    for (const loc of locs) {
      try {
        const [blob] = await this.loadRun([loc]);
        return blob!;
      } catch (e) {
        first ??= e;
      }
    }
    throw first;
  }

  /**
   * Blobs that lie in one pack in ascending, non-overlapping order, read with one request.
   * Returns their plaintexts in the same order. `sinks` (util/sinks.ts): where blobs go in files
   * open for writing; a blob decoded in the pool is written there and comes back empty, any
   * other comes back as its plaintext (sinks are a request, the caller checks which happened).
   */
  async loadRun(
    run: readonly BlobLocation[],
    sinks?: readonly (readonly Sink[] | undefined)[],
  ): Promise<Uint8Array[]> {
    // blobs bound for files are not shared: their bytes never come back to be kept
    if (sinks || !run.every((l) => l.type === 'data')) return this.#readRun(run, sinks);
    // data blobs decoded recently (or being decoded now) are shared; the rest read as one span
    return this.#recent.share(
      run,
      (l) => l.id,
      (missing) => this.#readRun(missing),
    );
  }

  async #readRun(
    run: readonly BlobLocation[],
    sinks?: readonly (readonly Sink[] | undefined)[],
  ): Promise<Uint8Array[]> {
    const head = run[0]!;
    const last = run[run.length - 1]!;
    const start = head.offset;
    const end = last.offset + last.length;
    const name = packName(head.packId);
    let bytes: Uint8Array;
    try {
      bytes = await this.storage.read(name, { offset: start, length: end - start });
    } catch (e) {
      if (e instanceof MissingObjectError)
        throw new MissingObjectError(
          `pack ${head.packId} (holding ${head.type} blob ${head.id})`,
          { pack: head.packId, blob: head.id },
          { cause: e },
        );
      if (e instanceof IntegrityError)
        throw new IntegrityError(
          `pack ${head.packId}, ${head.type} blob ${head.id}: ${e.message}`,
          { pack: head.packId, blob: head.id },
          { cause: e },
        );
      throw e;
    }
    const pool = this.options.pool;
    if (
      pool?.threaded &&
      end - start >= (this.options.poolMinBytes ?? POOL_MIN_BYTES) &&
      run.every((l) => l.type === 'data')
    )
      return pool.decode(bytes, start, run, sinks);
    const out: Uint8Array[] = [];
    for (const loc of run) {
      const stored = bytes.subarray(loc.offset - start, loc.offset - start + loc.length);
      out.push(await decodeBlob(this.key, stored, loc));
      if (this.cache && loc.type === 'tree')
        await this.cache.put(loc.type, loc.id, stored, loc.uncompressedLength);
    }
    return out;
  }
}

/** Can `next` join a read that currently ends at `runEnd` and started at `runStart`? */
export function joinsRun(prev: BlobLocation, next: BlobLocation, runStart: number): boolean {
  const prevEnd = prev.offset + prev.length;
  return (
    next.packId === prev.packId &&
    next.offset >= prevEnd &&
    next.offset - prevEnd <= MAX_GAP &&
    next.offset + next.length - runStart <= MAX_SPAN
  );
}
