/**
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320, as zlib and Go's crc32.ChecksumIEEE),
 * used by kopia's ECC records (spec §6.3) and pack postambles (spec §9.2).
 * Fast: node:zlib `crc32` (Node ≥ 20.15). Portable: slicing-by-8 tables. Counted as `crc32`.
 */

import { nodeZlib } from '../compress/node-zlib.js';
import { choosePath } from '../crypto/select.js';

const TABLES = (() => {
  const t = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n]!;
    for (let k = 1; k < 8; k++) {
      c = t[c & 0xff]! ^ (c >>> 8);
      t[k * 256 + n] = c >>> 0;
    }
  }
  return t;
})();

/**
 * CRC-32 of `data[start:end)` in plain JS. Also what ECC uses for its ≤ 1 KiB shards directly:
 * there the call into node:zlib costs more than the table loop (measured, bench/RESULTS.md).
 */
export function crc32Portable(data: Uint8Array, start = 0, end = data.length): number {
  const t = TABLES;
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
}

const nodeCrc32 = (nodeZlib as { crc32?: (data: Uint8Array) => number } | undefined)?.crc32;

/** CRC-32/IEEE of `data` as an unsigned 32-bit number. */
export function crc32(data: Uint8Array): number {
  if (choosePath('crc32', nodeCrc32 !== undefined) === 'fast' && nodeCrc32) {
    return nodeCrc32(data) >>> 0;
  }
  return crc32Portable(data);
}
