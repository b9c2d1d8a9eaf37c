/**
 * Reading contents by id: look up the merged index, ranged-read the pack, strip ECC, decrypt
 * with the per-content key, decompress by the index's header id, and verify the keyed hash
 * against the id (stronger than kopia, which trusts the AEAD tag alone; decode-content.ts).
 * Neighbouring contents of one pack are fetched in one request; runs of data contents large
 * enough to pay for the message decode in worker threads (decode-pool.ts), metadata and small
 * reads here. Decoded metadata contents are kept in a small LRU.
 * spec §12, §5.3, §7.2a; kopia repo/content/content_manager.go (getContentDataAndInfo),
 * committed_read_manager.go (decryptContentAndVerify)
 */

import { IntegrityError, MissingObjectError, UnsupportedFormatError } from '../errors.js';
import type { KopiaBlobStore } from './blob-store.js';
import type { ContentIndex, ContentInfo } from './content-index.js';
import { decodeContent, hashMatches, type KopiaCodec } from './decode-content.js';
import type { KopiaDecodePool } from './decode-pool.js';
import { RecentValues } from '../util/recent.js';
import type { Sink } from '../util/sinks.js';
import { parseContentId, type BlobId, type ContentId } from './ids.js';

/** largest pack range fetched in one request when coalescing neighbours */
const MAX_COALESCED = 16 * 1024 * 1024;
/** largest gap between neighbours still fetched in the same request */
const MAX_GAP = 64 * 1024;
const CACHE_BYTES = 32 * 1024 * 1024;
const CACHE_MAX_ITEM = 1024 * 1024;
/** metadata (`q`) packs up to this size are fetched whole, once, as kopia does */
const WHOLE_PACK_MAX = 4 * 1024 * 1024;
const PACK_CACHE_BYTES = 16 * 1024 * 1024;
/** recently decoded contents kept for reuse by fetchGroup: ≤ 4 × 8 MiB */
const RECENT_CONTENTS = 4;
const RECENT_CONTENT_MAX = 8 * 1024 * 1024;
/** Smallest run of data contents sent to the decode pool (smaller ones cost more to send). */
export const POOL_MIN_BYTES = 64 * 1024;

export interface ContentReaderOptions {
  readonly blobs: KopiaBlobStore;
  readonly index: ContentIndex;
  readonly codec: KopiaCodec;
  /** re-hash every content against its id (default true) */
  readonly verifyHash: boolean;
  /** worker threads for runs of data contents; undefined = decode everything on this thread */
  readonly pool?: KopiaDecodePool;
  /** smallest run span sent to the pool (default POOL_MIN_BYTES; 0 = every data run) */
  readonly poolMinBytes?: number;
}

export class ContentReader {
  private readonly cache = new Map<string, Uint8Array>();
  private cacheBytes = 0;
  private readonly packs = new Map<string, Promise<Uint8Array>>();
  private readonly recent = new RecentValues<Uint8Array>(RECENT_CONTENTS, RECENT_CONTENT_MAX);
  private packBytes = 0;

  constructor(private readonly o: ContentReaderOptions) {}

  get index(): ContentIndex {
    return this.o.index;
  }

  /** the index entry, or MissingObjectError */
  info(id: ContentId): ContentInfo {
    const info = this.o.index.get(id);
    if (!info) throw new MissingObjectError(`content ${id}`, { contentId: id });
    return info;
  }

  /** one content's plaintext */
  async get(id: ContentId): Promise<Uint8Array> {
    const hit = this.cache.get(id);
    if (hit) {
      this.cache.delete(id);
      this.cache.set(id, hit);
      return hit;
    }
    const info = this.info(id);
    const stored = await this.readStored(info);
    if (this.pooled([info], info.packedLength)) {
      const [plain] = await this.o.pool!.decode(stored, info.packOffset, [info]);
      return plain!;
    }
    const plain = await this.decode(info, stored);
    if (plain.length <= CACHE_MAX_ITEM && parseContentId(id).prefix !== '')
      this.remember(id, plain);
    return plain;
  }

  /**
   * Split `ids` into runs of neighbours in one pack, each fetched with one ranged read
   * (gaps up to 64 KiB, runs up to 16 MiB).
   */
  plan(ids: readonly ContentId[]): ContentInfo[][] {
    const groups: ContentInfo[][] = [];
    let cur: ContentInfo[] = [];
    let end = 0;
    for (const id of ids) {
      const n = this.info(id);
      const first = cur[0];
      if (
        first &&
        n.packBlobId === first.packBlobId &&
        n.packOffset >= end &&
        n.packOffset - end <= MAX_GAP &&
        n.packOffset + n.packedLength - first.packOffset <= MAX_COALESCED
      ) {
        cur.push(n);
      } else {
        if (first) groups.push(cur);
        cur = [n];
      }
      end = n.packOffset + n.packedLength;
    }
    if (cur.length > 0) groups.push(cur);
    return groups;
  }

  /**
   * the plaintexts of one planned run, in order; contents decoded recently (or being decoded now)
   * are shared (util/recent.ts), the rest are read as one span
   */
  fetchGroup(
    infos: readonly ContentInfo[],
    sinks?: readonly (readonly Sink[] | undefined)[],
  ): Promise<Uint8Array[]> {
    // contents bound for files are not shared: their bytes never come back to be kept
    if (sinks) return this.fetchSpan(infos, sinks);
    return this.recent.share(
      infos,
      (i) => i.contentId,
      (missing) => this.fetchSpan(missing),
    );
  }

  /**
   * `sinks` (util/sinks.ts): where contents go in files open for writing; a content decoded in
   * the pool is written there and comes back empty, any other as its plaintext
   */
  private async fetchSpan(
    infos: readonly ContentInfo[],
    sinks?: readonly (readonly Sink[] | undefined)[],
  ): Promise<Uint8Array[]> {
    const first = infos[0];
    if (!first) return [];
    if (infos.length === 1 && !sinks?.[0]) return [await this.get(first.contentId)];
    const last = infos[infos.length - 1]!;
    const end = last.packOffset + last.packedLength;
    const range = await this.readRange(first, first.packOffset, end - first.packOffset);
    if (this.pooled(infos, range.length))
      return this.o.pool!.decode(range, first.packOffset, infos, sinks);
    const out: Uint8Array[] = [];
    for (const info of infos) {
      const off = info.packOffset - first.packOffset;
      out.push(await this.decode(info, range.subarray(off, off + info.packedLength)));
    }
    return out;
  }

  /** true when `data` hashes to the content id (§12 step 7) */
  matches(id: string, data: Uint8Array): boolean {
    return hashMatches(this.o.codec.hasher, id, data);
  }

  /** whether a run spanning `span` stored bytes goes to the worker pool: data contents only */
  private pooled(infos: readonly ContentInfo[], span: number): boolean {
    const pool = this.o.pool;
    return (
      pool !== undefined &&
      pool.threaded &&
      span >= (this.o.poolMinBytes ?? POOL_MIN_BYTES) &&
      infos.every((i) => parseContentId(i.contentId).prefix === '')
    );
  }

  private async readStored(info: ContentInfo): Promise<Uint8Array> {
    return this.readRange(info, info.packOffset, info.packedLength);
  }

  private async readRange(info: ContentInfo, offset: number, length: number): Promise<Uint8Array> {
    if (info.encryptionKeyId !== 0) {
      throw new UnsupportedFormatError(
        `content ${info.contentId} uses encryption key id ${info.encryptionKeyId}, which kopia reserves`,
        { contentId: info.contentId },
      );
    }
    try {
      const end = this.o.index.packEnd(info.packBlobId);
      if (info.packBlobId.startsWith('q') && end <= WHOLE_PACK_MAX && offset + length <= end) {
        const whole = await this.wholePack(info.packBlobId, end);
        return whole.subarray(offset, offset + length);
      }
      const b = await this.o.blobs.read(info.packBlobId, { offset, length });
      if (b.length !== length) {
        throw new IntegrityError(`pack ${info.packBlobId} is truncated`, {
          blobId: info.packBlobId,
        });
      }
      return b;
    } catch (e) {
      if (e instanceof MissingObjectError) {
        throw new MissingObjectError(
          `pack ${info.packBlobId} (holding content ${info.contentId})`,
          { blobId: info.packBlobId, contentId: info.contentId },
          { cause: e },
        );
      }
      if (e instanceof IntegrityError) {
        throw new IntegrityError(
          `pack ${info.packBlobId} is shorter than the index says (content ${info.contentId} at ${info.packOffset}+${info.packedLength})`,
          { blobId: info.packBlobId, contentId: info.contentId },
          { cause: e },
        );
      }
      throw e;
    }
  }

  /** the first `end` bytes of a small metadata pack, read once and kept in a bounded LRU */
  private wholePack(id: BlobId, end: number): Promise<Uint8Array> {
    const hit = this.packs.get(id);
    if (hit) {
      this.packs.delete(id);
      this.packs.set(id, hit);
      return hit;
    }
    const p = this.o.blobs.read(id, { offset: 0, length: end }).then((b) => {
      if (b.length !== end) throw new IntegrityError(`pack ${id} is truncated`, { blobId: id });
      return b;
    });
    this.packs.set(id, p);
    this.packBytes += end;
    p.catch(() => {
      if (this.packs.get(id) === p) {
        this.packs.delete(id);
        this.packBytes -= end;
      }
    });
    for (const [k] of this.packs) {
      if (this.packBytes <= PACK_CACHE_BYTES || k === id) break;
      this.packs.delete(k);
      this.packBytes -= this.o.index.packEnd(k);
    }
    return p;
  }

  /** ECC → decrypt → decompress → verify, for one stored content, on this thread */
  decode(info: ContentInfo, stored: Uint8Array): Promise<Uint8Array> {
    return decodeContent(this.o.codec, this.o.verifyHash, info, stored);
  }

  private remember(id: string, plain: Uint8Array): void {
    this.cache.set(id, plain);
    this.cacheBytes += plain.length;
    for (const [k, v] of this.cache) {
      if (this.cacheBytes <= CACHE_BYTES) break;
      this.cache.delete(k);
      this.cacheBytes -= v.length;
    }
  }
}
