/**
 * The merged content index of a whole repository in a few typed arrays: one sorted key table
 * (prefix byte ‖ hash, `keySize` bytes each) and parallel columns. Per content this costs
 * keySize + 17 bytes: 34 bytes with 128-bit hashes (the default), 50 with 256-bit ones.
 *
 *   keys      Uint8Array   keySize × n   sorted by unsigned bytes (spec §8)
 *   pack      Uint32Array  4 × n         index into `packs` (pack blob ids)
 *   offset    Uint32Array  4 × n         packOffset
 *   packed    Uint32Array  4 × n         packedLength
 *   original  Uint32Array  4 × n         originalLength
 *   flags     Uint8Array   1 × n         bit 7 deleted; bits 0..6 index into `formats`
 *
 * Built by a k-way merge of the (already sorted) live index blobs, resolving duplicates and
 * deletions exactly as kopia does. spec §10.4, §11.4; kopia repo/content/index/merged.go,
 * repo/content/committed_content_index.go (shouldIgnore)
 */

import { IntegrityError } from '../errors.js';
import type { IndexBlob, IndexFormat } from './index-blob.js';
import { contentIdToKey, keyToContentId, type BlobId, type ContentId } from './ids.js';

export interface ContentInfo {
  readonly contentId: ContentId;
  readonly packBlobId: BlobId;
  readonly packOffset: number;
  readonly packedLength: number;
  readonly originalLength: number;
  readonly deleted: boolean;
  readonly compressionHeaderId: number;
  readonly formatVersion: number;
  readonly encryptionKeyId: number;
}

const DELETED = 0x80;
const FORMAT_MASK = 0x7f;
const INVALID_FORMAT: IndexFormat = {
  compressionHeaderId: 0xffff,
  formatVersion: 0xff,
  encryptionKeyId: 0xff,
};
const INVALID_PACK = '---invalid---';

export class ContentIndex {
  private constructor(
    readonly keySize: number,
    readonly count: number,
    private readonly keys: Uint8Array,
    private readonly pack: Uint32Array,
    private readonly offset: Uint32Array,
    private readonly packed: Uint32Array,
    private readonly original: Uint32Array,
    private readonly flags: Uint8Array,
    readonly packs: readonly BlobId[],
    private readonly formats: readonly IndexFormat[],
    private readonly packEnds: Float64Array,
  ) {}

  /** the end of the last content a pack holds (per the index), 0 for an unknown pack */
  packEnd(packBlobId: string): number {
    this.packIndexOf ??= new Map(this.packs.map((p, i) => [p, i]));
    const i = this.packIndexOf.get(packBlobId);
    return i === undefined ? 0 : this.packEnds[i]!;
  }

  private packIndexOf: Map<string, number> | undefined;

  /** bytes held by the typed arrays (what the ≤ 48 bytes/content budget measures) */
  get byteSize(): number {
    return (
      this.keys.byteLength +
      this.pack.byteLength +
      this.offset.byteLength +
      this.packed.byteLength +
      this.original.byteLength +
      this.flags.byteLength
    );
  }

  /**
   * Merge live index blobs. For one key the winner has the larger timestamp, then is not
   * deleted, then has the larger pack blob id; a deleted winner at or before `watermark`
   * (Unix seconds) is dropped, a newer deleted one is kept and flagged.
   */
  static merge(blobs: readonly IndexBlob[], watermark = -Infinity): ContentIndex {
    const live = blobs.filter((b) => b.count > 0);
    let keySize = 0;
    let total = 0;
    for (const b of live) {
      if (keySize === 0) keySize = b.keySize;
      else if (b.keySize !== keySize) {
        throw new IntegrityError(
          `index blobs disagree on the content key size (${keySize} vs ${b.keySize})`,
        );
      }
      total += b.count;
    }
    // global pack and format tables; per blob, local → global maps
    const packs: BlobId[] = [];
    const packIds = new Map<string, number>();
    const formats: IndexFormat[] = [];
    const formatIds = new Map<string, number>();
    const packMaps = live.map((b) =>
      Uint32Array.from(b.packs, (p) => {
        let g = packIds.get(p);
        if (g === undefined) {
          g = packs.length;
          packs.push(p as BlobId);
          packIds.set(p, g);
        }
        return g;
      }),
    );
    const formatMaps = live.map((b) =>
      Uint8Array.from(b.formats, (f) => {
        const k = `${f.compressionHeaderId}/${f.formatVersion}/${f.encryptionKeyId}`;
        let g = formatIds.get(k);
        if (g === undefined) {
          g = formats.length;
          if (g >= FORMAT_MASK) throw new IntegrityError('too many distinct index formats');
          formats.push(f);
          formatIds.set(k, g);
        }
        return g;
      }),
    );
    let invalidPack = -1;
    const globalPack = (bi: number, i: number): number => {
      const p = live[bi]!.packIndex(i);
      const m = packMaps[bi]!;
      if (p < m.length) return m[p]!;
      if (invalidPack < 0) {
        invalidPack = packs.length;
        packs.push(INVALID_PACK as BlobId);
      }
      return invalidPack;
    };
    const globalFormat = (bi: number, i: number): number => {
      const f = live[bi]!.formatIndex(i);
      const m = formatMaps[bi]!;
      return f < m.length ? m[f]! : FORMAT_MASK;
    };

    const keys = new Uint8Array(total * keySize);
    const pack = new Uint32Array(total);
    const offset = new Uint32Array(total);
    const packed = new Uint32Array(total);
    const original = new Uint32Array(total);
    const flags = new Uint8Array(total);
    // per pack (not per content): how far its live contents reach
    const packEnds = new Float64Array(packs.length + 1);

    // k-way merge over cursors; heap ordered by the key at each cursor
    const pos = new Uint32Array(live.length);
    const heap: number[] = [];
    const cmpKey = (a: number, b: number): number => {
      const A = live[a]!;
      const B = live[b]!;
      let ao = A.keyOffset(pos[a]!);
      let bo = B.keyOffset(pos[b]!);
      const ab = A.bytes;
      const bb = B.bytes;
      for (let k = 0; k < keySize; k++, ao++, bo++) {
        const d = ab[ao]! - bb[bo]!;
        if (d !== 0) return d;
      }
      return a - b;
    };
    const siftDown = (i: number) => {
      const n = heap.length;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) return;
        const r = l + 1;
        const m = r < n && cmpKey(heap[r]!, heap[l]!) < 0 ? r : l;
        if (cmpKey(heap[m]!, heap[i]!) >= 0) return;
        [heap[i], heap[m]] = [heap[m]!, heap[i]!];
        i = m;
      }
    };
    const siftUp = (i: number) => {
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (cmpKey(heap[i]!, heap[p]!) >= 0) return;
        [heap[i], heap[p]] = [heap[p]!, heap[i]!];
        i = p;
      }
    };
    for (let b = 0; b < live.length; b++) {
      heap.push(b);
      siftUp(heap.length - 1);
    }

    let n = 0;
    const sameKeyAsLast = (b: number): boolean => {
      if (n === 0) return false;
      const B = live[b]!;
      const o = B.keyOffset(pos[b]!);
      const base = (n - 1) * keySize;
      for (let k = 0; k < keySize; k++) if (B.bytes[o + k] !== keys[base + k]) return false;
      return true;
    };
    // the timestamp of row n−1 is kept aside for the duplicate rule
    let lastTs = 0;
    let lastOk = false; // row n−1 is a real row (not dropped)
    const write = (b: number, row: number) => {
      const B = live[b]!;
      const i = pos[b]!;
      const ko = B.keyOffset(i);
      keys.set(B.bytes.subarray(ko, ko + keySize), row * keySize);
      pack[row] = globalPack(b, i);
      offset[row] = B.packOffset(i);
      packed[row] = B.packedLength(i);
      original[row] = B.originalLength(i);
      flags[row] = (B.deleted(i) ? DELETED : 0) | globalFormat(b, i);
      const end = offset[row]! + packed[row]!;
      if (end > packEnds[pack[row]!]!) packEnds[pack[row]!] = end;
      lastTs = B.timestamp(i);
    };
    const beats = (b: number, row: number): boolean => {
      const B = live[b]!;
      const i = pos[b]!;
      const ts = B.timestamp(i);
      if (ts !== lastTs) return ts > lastTs;
      const del = B.deleted(i);
      const rowDel = (flags[row]! & DELETED) !== 0;
      if (del !== rowDel) return !del;
      return B.packs[B.packIndex(i)]! > packs[pack[row]!]!;
    };
    const finishRow = () => {
      // drop a deleted winner at or before the watermark
      if (lastOk && flags[n - 1]! & DELETED && lastTs <= watermark) n--;
    };

    while (heap.length > 0) {
      const b = heap[0]!;
      if (lastOk && sameKeyAsLast(b)) {
        if (beats(b, n - 1)) write(b, n - 1);
      } else {
        finishRow();
        write(b, n);
        n++;
        lastOk = true;
      }
      pos[b]!++;
      if (pos[b]! >= live[b]!.count) {
        heap[0] = heap[heap.length - 1]!;
        heap.pop();
      }
      if (heap.length > 0) siftDown(0);
    }
    finishRow();

    // verify sortedness cheaply is implied by the merge, but a hostile blob may be unsorted:
    // check adjacent keys ascend strictly
    for (let r = 1; r < n; r++) {
      if (compareAt(keys, (r - 1) * keySize, keys, r * keySize, keySize) >= 0) {
        throw new IntegrityError('an index blob is not sorted by content id');
      }
    }

    const fit = <T extends Uint8Array | Uint32Array>(a: T, len: number): T =>
      (len === a.length ? a : a.slice(0, len)) as T;
    return new ContentIndex(
      keySize,
      n,
      fit(keys, n * keySize),
      fit(pack, n),
      fit(offset, n),
      fit(packed, n),
      fit(original, n),
      fit(flags, n),
      packs,
      formats,
      packEnds,
    );
  }

  /** first row whose key is ≥ `key` */
  private lowerBound(key: Uint8Array): number {
    let lo = 0;
    let hi = this.count;
    const ks = this.keySize;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareAt(this.keys, mid * ks, key, 0, Math.min(ks, key.length)) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private rowOf(id: string): number {
    const key = contentIdToKey(id);
    if (key.length !== this.keySize || this.count === 0) return -1;
    const r = this.lowerBound(key);
    if (r < this.count && compareAt(this.keys, r * this.keySize, key, 0, this.keySize) === 0) {
      return r;
    }
    return -1;
  }

  private info(r: number, id?: string): ContentInfo {
    const f = this.flags[r]!;
    const fmt = this.formats[f & FORMAT_MASK] ?? INVALID_FORMAT;
    return {
      contentId:
        (id as ContentId | undefined) ?? keyToContentId(this.keys, r * this.keySize, this.keySize),
      packBlobId: this.packs[this.pack[r]!]!,
      packOffset: this.offset[r]!,
      packedLength: this.packed[r]!,
      originalLength: this.original[r]!,
      deleted: (f & DELETED) !== 0,
      compressionHeaderId: fmt.compressionHeaderId,
      formatVersion: fmt.formatVersion,
      encryptionKeyId: fmt.encryptionKeyId,
    };
  }

  /** the merged entry for a content id (deleted ones newer than the watermark included) */
  get(id: string): ContentInfo | undefined {
    const r = this.rowOf(id);
    return r < 0 ? undefined : this.info(r, id);
  }

  /**
   * Entries whose content id starts with `prefix` (a prefix letter, optionally with hex),
   * in key order; deleted ones only if asked.
   */
  *withPrefix(prefix: string, includeDeleted = false): Iterable<ContentInfo> {
    const ks = this.keySize;
    if (this.count === 0) return;
    // start key: prefix byte then the hex part
    const letter = /^[g-z]/.test(prefix) ? prefix[0]! : '';
    const hex = prefix.slice(letter.length);
    const start = new Uint8Array(1 + (hex.length >> 1));
    start[0] = letter === '' ? 0 : letter.charCodeAt(0);
    for (let i = 0; i + 1 < hex.length; i += 2)
      start[1 + i / 2] = parseInt(hex.slice(i, i + 2), 16);
    for (let r = this.lowerBound(start); r < this.count; r++) {
      if (this.keys[r * ks] !== start[0]) return;
      const info = this.info(r);
      if (!info.contentId.startsWith(prefix)) {
        if (info.contentId > prefix) return;
        continue;
      }
      if (info.deleted && !includeDeleted) continue;
      yield info;
    }
  }

  /** every entry in key order */
  *all(includeDeleted = false): Iterable<ContentInfo> {
    for (let r = 0; r < this.count; r++) {
      if (!includeDeleted && this.flags[r]! & DELETED) continue;
      yield this.info(r);
    }
  }
}

function compareAt(a: Uint8Array, ao: number, b: Uint8Array, bo: number, len: number): number {
  for (let k = 0; k < len; k++) {
    const d = a[ao + k]! - b[bo + k]!;
    if (d !== 0) return d;
  }
  return 0;
}
