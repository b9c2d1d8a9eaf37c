/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), slicing-by-8, and the "masked" form
 * the Snappy/S2 framing format stores per chunk (klauspost/compress s2/s2.go `crc`; google
 * snappy framing_format.txt §3).
 */

import { makeCrc32, type Crc32 } from '../util/crc32-sliced.js';

/** CRC-32C of `data[start:end)`. */
export const crc32c: Crc32 = makeCrc32(0x82f63b78);

/** Snappy's masked CRC: rotate right by 15 and add 0xa282ead8. */
export function maskedCrc32c(data: Uint8Array, start = 0, end = data.length): number {
  const c = crc32c(data, start, end);
  return ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;
}
