/**
 * xxHash32 (Yann Collet's XXH32, as specified in xxhash_spec.md), used by the LZ4 frame format
 * for header, block and content checksums. Seed 0 unless given.
 */

const P1 = 0x9e3779b1;
const P2 = 0x85ebca77;
const P3 = 0xc2b2ae3d;
const P4 = 0x27d4eb2f;
const P5 = 0x165667b1;

const rotl = (x: number, r: number) => (x << r) | (x >>> (32 - r));
const u32 = (b: Uint8Array, p: number) =>
  b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24);
const round = (acc: number, lane: number) =>
  Math.imul(rotl((acc + Math.imul(lane, P2)) | 0, 13), P1);

/** Incremental XXH32, so a frame's content checksum needs no second pass over its output. */
export class XxHash32 {
  private v1: number;
  private v2: number;
  private v3: number;
  private v4: number;
  private total = 0;
  private readonly buf = new Uint8Array(16);
  private bufLen = 0;

  constructor(private readonly seed = 0) {
    this.v1 = (seed + P1 + P2) | 0;
    this.v2 = (seed + P2) | 0;
    this.v3 = seed | 0;
    this.v4 = (seed - P1) | 0;
  }

  update(data: Uint8Array, start = 0, end = data.length): this {
    this.total += end - start;
    let p = start;
    if (this.bufLen > 0) {
      const take = Math.min(16 - this.bufLen, end - p);
      this.buf.set(data.subarray(p, p + take), this.bufLen);
      this.bufLen += take;
      p += take;
      if (this.bufLen < 16) return this;
      this.stripe(this.buf, 0);
      this.bufLen = 0;
    }
    let { v1, v2, v3, v4 } = this;
    for (; p + 16 <= end; p += 16) {
      v1 = round(v1, u32(data, p));
      v2 = round(v2, u32(data, p + 4));
      v3 = round(v3, u32(data, p + 8));
      v4 = round(v4, u32(data, p + 12));
    }
    this.v1 = v1;
    this.v2 = v2;
    this.v3 = v3;
    this.v4 = v4;
    if (p < end) {
      this.buf.set(data.subarray(p, end), 0);
      this.bufLen = end - p;
    }
    return this;
  }

  private stripe(b: Uint8Array, p: number): void {
    this.v1 = round(this.v1, u32(b, p));
    this.v2 = round(this.v2, u32(b, p + 4));
    this.v3 = round(this.v3, u32(b, p + 8));
    this.v4 = round(this.v4, u32(b, p + 12));
  }

  digest(): number {
    let h =
      this.total >= 16
        ? (rotl(this.v1, 1) + rotl(this.v2, 7) + rotl(this.v3, 12) + rotl(this.v4, 18)) | 0
        : (this.seed + P5) | 0;
    h = (h + this.total) | 0; // the spec adds the length modulo 2^32
    const b = this.buf;
    let p = 0;
    for (; p + 4 <= this.bufLen; p += 4) {
      h = Math.imul(rotl((h + Math.imul(u32(b, p), P3)) | 0, 17), P4);
    }
    for (; p < this.bufLen; p++) h = Math.imul(rotl((h + Math.imul(b[p]!, P5)) | 0, 11), P1);
    h ^= h >>> 15;
    h = Math.imul(h, P2);
    h ^= h >>> 13;
    h = Math.imul(h, P3);
    h ^= h >>> 16;
    return h >>> 0;
  }
}

/** One-shot XXH32 of `data[start:end)`. */
export function xxhash32(data: Uint8Array, start = 0, end = data.length, seed = 0): number {
  return new XxHash32(seed).update(data, start, end).digest();
}
