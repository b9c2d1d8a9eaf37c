/**
 * Table-driven CRC-32 for any reflected polynomial, slicing-by-8 (Intel's "Slicing-by-8", as in
 * zlib and Go's hash/crc32). Used for CRC-32/IEEE (kopia ECC, pack postambles) and CRC-32C
 * (Snappy/S2 framing). Returns `(data, start, end) => crc` over `data[start:end)`.
 */
export type Crc32 = (data: Uint8Array, start?: number, end?: number) => number;

export function makeCrc32(reflectedPolynomial: number): Crc32 {
  const t = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? reflectedPolynomial ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n]!;
    for (let k = 1; k < 8; k++) {
      c = t[c & 0xff]! ^ (c >>> 8);
      t[k * 256 + n] = c >>> 0;
    }
  }
  return (data, start = 0, end = data.length) => {
    let c = 0xffffffff;
    let i = start;
    for (; i + 8 <= end; i += 8) {
      const a =
        (c ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24))) >>> 0;
      c =
        t[1792 + (a & 0xff)]! ^
        t[1536 + ((a >>> 8) & 0xff)]! ^
        t[1280 + ((a >>> 16) & 0xff)]! ^
        t[1024 + (a >>> 24)]! ^
        t[768 + data[i + 4]!]! ^
        t[512 + data[i + 5]!]! ^
        t[256 + data[i + 6]!]! ^
        t[data[i + 7]!]!;
    }
    for (; i < end; i++) c = t[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
}
