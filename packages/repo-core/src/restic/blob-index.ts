/**
 * The in-memory blob index (spec §9.3), compact enough for millions of blobs: 48 bytes each.
 *
 *   ids       Uint8Array  32·n   blob ids, sorted (then by type)
 *   pack      Uint32Array  4·n   pack number; bit 31 set for tree blobs
 *   offset    Uint32Array  4·n   offset inside the pack
 *   length    Uint32Array  4·n   stored (encrypted) length
 *   rawLength Uint32Array  4·n   uncompressed length; 0 = not compressed
 *
 * Pack ids live once each in a 32-byte table. Lookup is a binary search over `ids`. The same
 * (type, id) may appear several times (duplicates in several packs): all copies are kept;
 * identical entries from several index files are merged.
 */

import { fromHex, toHex } from './ids.js';

export type BlobType = 'data' | 'tree';

export interface BlobLocation {
  readonly id: string;
  readonly type: BlobType;
  readonly packId: string;
  readonly offset: number;
  readonly length: number;
  /** 0 when the blob is stored uncompressed */
  readonly uncompressedLength: number;
}

/** Plaintext length of an indexed blob (spec §9.3). */
export function plainLength(loc: BlobLocation): number {
  return loc.uncompressedLength !== 0 ? loc.uncompressedLength : loc.length - 32;
}

const TREE_BIT = 0x80000000;
export const BYTES_PER_BLOB = 48;

class Grow32 {
  a = new Uint32Array(1024);
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Uint32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
}

export class BlobIndexBuilder {
  #ids = new Uint8Array(32 * 1024);
  #n = 0;
  #pack = new Grow32();
  #offset = new Grow32();
  #length = new Grow32();
  #raw = new Grow32();
  #packIds = new Uint8Array(32 * 256);
  #packCount = 0;
  #packNum = new Map<string, number>();

  packNumber(packId: string): number {
    let n = this.#packNum.get(packId);
    if (n === undefined) {
      n = this.#packCount++;
      if (n >= TREE_BIT) throw new RangeError('too many packs');
      if (32 * this.#packCount > this.#packIds.length) {
        const b = new Uint8Array(this.#packIds.length * 2);
        b.set(this.#packIds);
        this.#packIds = b;
      }
      this.#packIds.set(fromHex(packId), 32 * n);
      this.#packNum.set(packId, n);
    }
    return n;
  }

  /** Add one entry; `id` is 32 raw bytes. */
  add(
    id: Uint8Array,
    type: BlobType,
    pack: number,
    offset: number,
    length: number,
    uncompressed: number,
  ): void {
    if (32 * (this.#n + 1) > this.#ids.length) {
      const b = new Uint8Array(this.#ids.length * 2);
      b.set(this.#ids);
      this.#ids = b;
    }
    this.#ids.set(id, 32 * this.#n);
    this.#n++;
    this.#pack.push(type === 'tree' ? (pack | TREE_BIT) >>> 0 : pack);
    this.#offset.push(offset);
    this.#length.push(length);
    this.#raw.push(uncompressed);
  }

  get size(): number {
    return this.#n;
  }

  build(): BlobIndex {
    const n = this.#n;
    const ids = this.#ids;
    // Sort by the first 4 id bytes with a native Float64Array sort (key·2^21 + position), then
    // fix the rare runs that share those bytes with a full comparison.
    if (n >= 2 ** 21) return this.#buildSlow();
    const keys = new Float64Array(n);
    const dv = new DataView(ids.buffer, ids.byteOffset, ids.byteLength);
    for (let i = 0; i < n; i++) keys[i] = dv.getUint32(32 * i, false) * 2 ** 21 + i;
    keys.sort();
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = keys[i]! % 2 ** 21;
    for (let i = 0; i < n; ) {
      let j = i + 1;
      const k = Math.floor(keys[i]! / 2 ** 21);
      while (j < n && Math.floor(keys[j]! / 2 ** 21) === k) j++;
      if (j - i > 1) {
        const run = Array.from(order.subarray(i, j));
        run.sort((a, b) => this.#cmp(a, b));
        order.set(run, i);
      }
      i = j;
    }
    return this.#materialise(order);
  }

  #buildSlow(): BlobIndex {
    const order = Array.from({ length: this.#n }, (_, i) => i);
    order.sort((a, b) => this.#cmp(a, b));
    return this.#materialise(Uint32Array.from(order));
  }

  #cmp(a: number, b: number): number {
    const ids = this.#ids;
    for (let k = 0; k < 32; k++) {
      const d = ids[32 * a + k]! - ids[32 * b + k]!;
      if (d !== 0) return d;
    }
    const ta = this.#pack.a[a]! & TREE_BIT ? 1 : 0;
    const tb = this.#pack.a[b]! & TREE_BIT ? 1 : 0;
    if (ta !== tb) return ta - tb;
    return this.#offset.a[a]! - this.#offset.a[b]! || this.#pack.a[a]! - this.#pack.a[b]!;
  }

  #materialise(order: Uint32Array): BlobIndex {
    const n = order.length;
    const ids = new Uint8Array(32 * n);
    const pack = new Uint32Array(n);
    const offset = new Uint32Array(n);
    const length = new Uint32Array(n);
    const raw = new Uint32Array(n);
    let m = 0;
    for (let i = 0; i < n; i++) {
      const s = order[i]!;
      // merge identical entries (same id, type, pack, offset) from several index files
      if (
        m > 0 &&
        pack[m - 1] === this.#pack.a[s] &&
        offset[m - 1] === this.#offset.a[s] &&
        this.#sameId(ids, m - 1, s)
      )
        continue;
      ids.set(this.#ids.subarray(32 * s, 32 * s + 32), 32 * m);
      pack[m] = this.#pack.a[s]!;
      offset[m] = this.#offset.a[s]!;
      length[m] = this.#length.a[s]!;
      raw[m] = this.#raw.a[s]!;
      m++;
    }
    return new BlobIndex(
      ids.slice(0, 32 * m),
      pack.slice(0, m),
      offset.slice(0, m),
      length.slice(0, m),
      raw.slice(0, m),
      this.#packIds.slice(0, 32 * this.#packCount),
    );
  }

  #sameId(ids: Uint8Array, m: number, s: number): boolean {
    for (let k = 0; k < 32; k++) if (ids[32 * m + k] !== this.#ids[32 * s + k]) return false;
    return true;
  }
}

export class BlobIndex {
  /**
   * First row of each 16-bit id prefix (65,537 entries, 256 KiB): a lookup searches one bucket
   * (~n / 65,536 rows) instead of all n; 20,000 lookups took ~0.1 s with the full search.
   */
  readonly #bucket = new Uint32Array(65537);

  constructor(
    readonly ids: Uint8Array,
    readonly pack: Uint32Array,
    readonly offset: Uint32Array,
    readonly length: Uint32Array,
    readonly rawLength: Uint32Array,
    readonly packIds: Uint8Array,
  ) {
    const n = pack.length;
    let row = 0;
    for (let p = 0; p < 65536; p++) {
      while (row < n && ((ids[32 * row]! << 8) | ids[32 * row + 1]!) < p) row++;
      this.#bucket[p] = row;
    }
    this.#bucket[65536] = n;
  }

  get size(): number {
    return this.pack.length;
  }

  get packCount(): number {
    return this.packIds.length / 32;
  }

  /** Bytes held by the index columns and the pack table. */
  get byteSize(): number {
    return (
      this.ids.byteLength +
      this.pack.byteLength +
      this.offset.byteLength +
      this.length.byteLength +
      this.rawLength.byteLength +
      this.packIds.byteLength +
      this.#bucket.byteLength
    );
  }

  #cmpAt(i: number, id: Uint8Array): number {
    const ids = this.ids;
    const base = 32 * i;
    for (let k = 0; k < 32; k++) {
      const d = ids[base + k]! - id[k]!;
      if (d !== 0) return d;
    }
    return 0;
  }

  /** First position whose id is ≥ `id`. */
  #lowerBound(id: Uint8Array): number {
    const p = (id[0]! << 8) | id[1]!;
    let lo = this.#bucket[p]!;
    let hi = this.#bucket[p + 1]!;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#cmpAt(mid, id) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Every stored copy of (type, id); empty when the index does not know it. */
  lookup(type: BlobType, idHex: string): BlobLocation[] {
    const id = fromHex(idHex);
    const out: BlobLocation[] = [];
    for (let i = this.#lowerBound(id); i < this.size && this.#cmpAt(i, id) === 0; i++) {
      const p = this.pack[i]!;
      if (((p & TREE_BIT) !== 0) !== (type === 'tree')) continue;
      out.push(this.#at(i, idHex, type));
    }
    return out;
  }

  /** Fast membership test used by the benchmark and check. */
  has(type: BlobType, id: Uint8Array): boolean {
    for (let i = this.#lowerBound(id); i < this.size && this.#cmpAt(i, id) === 0; i++)
      if (((this.pack[i]! & TREE_BIT) !== 0) === (type === 'tree')) return true;
    return false;
  }

  /** hex pack ids made so far, by pack number: one string per pack, not one per lookup */
  #packHex: (string | undefined)[] = [];

  packId(n: number): string {
    let hex = this.#packHex[n];
    if (hex === undefined) {
      hex = toHex(this.packIds.subarray(32 * n, 32 * n + 32));
      this.#packHex[n] = hex;
    }
    return hex;
  }

  #at(i: number, idHex: string, type: BlobType): BlobLocation {
    const p = this.pack[i]!;
    return {
      id: idHex,
      type,
      packId: this.packId(p & ~TREE_BIT),
      offset: this.offset[i]!,
      length: this.length[i]!,
      uncompressedLength: this.rawLength[i]!,
    };
  }

  /** Every entry, in id order (for check and stats). */
  *entries(): Generator<BlobLocation> {
    for (let i = 0; i < this.size; i++) {
      const p = this.pack[i]!;
      yield this.#at(
        i,
        toHex(this.ids.subarray(32 * i, 32 * i + 32)),
        p & TREE_BIT ? 'tree' : 'data',
      );
    }
  }
}
