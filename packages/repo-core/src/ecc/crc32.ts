/**
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320, as zlib and Go's crc32.ChecksumIEEE),
 * used by kopia's ECC records (spec §6.3) and pack postambles (spec §9.2).
 * Fast: node:zlib `crc32` (Node ≥ 20.15). Portable: slicing-by-8 tables. Counted as `crc32`.
 */

import { nodeZlib } from '../compress/node-zlib.js';
import { choosePath } from '../crypto/select.js';
import { makeCrc32, type Crc32 } from '../util/crc32-sliced.js';

/**
 * CRC-32 of `data[start:end)` in plain JS. Also what ECC uses for its ≤ 1 KiB shards directly:
 * there the call into node:zlib costs more than the table loop (measured, bench/RESULTS.md).
 */
export const crc32Portable: Crc32 = makeCrc32(0xedb88320);

const nodeCrc32 = (nodeZlib as { crc32?: (data: Uint8Array) => number } | undefined)?.crc32;

/** CRC-32/IEEE of `data` as an unsigned 32-bit number. */
export function crc32(data: Uint8Array): number {
  if (choosePath('crc32', nodeCrc32 !== undefined) === 'fast' && nodeCrc32) {
    return nodeCrc32(data) >>> 0;
  }
  return crc32Portable(data);
}
