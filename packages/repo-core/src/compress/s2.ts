/**
 * S2 stream decoder (kopia header IDs 0x1200-0x1203, spec §7.1; klauspost/compress v1.18.2
 * s2/reader.go `Reader.Read`, s2/s2.go). The stream is Snappy's framing format:
 *
 *   chunk = type(1) ‖ length(3, LE) ‖ body(length)
 *   0xff  stream identifier, body "S2sTwO" (or Snappy's "sNaPpY": blocks ≤ 64 KiB)
 *   0x00  compressed:   masked CRC-32C of the decoded bytes (4, LE) ‖ S2 block
 *   0x01  uncompressed: masked CRC-32C (4, LE) ‖ raw bytes
 *   0x02-0x7f reserved, unskippable → error;  0x80-0xfe skippable (0xfe padding, 0x99 index)
 *
 * The first chunk must be a stream identifier; an empty input is an empty stream (as in Go).
 * Blocks decode to at most 4 MiB each; every block's CRC is checked.
 */

import { maskedCrc32c } from './crc32c.js';
import { checkMaxOutput, corrupt } from './limits.js';
import { BoundedOutput } from './out-buffer.js';
import { decodeS2Block, s2DecodedLength } from './s2-block.js';

const CODEC = 's2';
const MAX_BLOCK = 4 << 20; // s2.go maxBlockSize
const MAX_SNAPPY_BLOCK = 1 << 16; // Snappy framing: at most 64 KiB per chunk
const MAGIC_S2 = 'S2sTwO';
const MAGIC_SNAPPY = 'sNaPpY';

function readCrc(src: Uint8Array, p: number): number {
  return (src[p]! | (src[p + 1]! << 8) | (src[p + 2]! << 16) | (src[p + 3]! << 24)) >>> 0;
}

/** Decode an S2 (or Snappy-framed) stream into at most `maxOutput` bytes. */
export function decodeS2Stream(input: Uint8Array, maxOutput: number): Uint8Array {
  checkMaxOutput(CODEC, maxOutput);
  const out = new BoundedOutput(CODEC, maxOutput, Math.min(maxOutput, input.length * 2 + 1024));
  let p = 0;
  let seenHeader = false;
  let snappy = false;
  while (p < input.length) {
    if (p + 4 > input.length) throw corrupt(CODEC, 'truncated chunk header');
    const type = input[p]!;
    const len = input[p + 1]! | (input[p + 2]! << 8) | (input[p + 3]! << 16);
    const body = p + 4;
    const end = body + len;
    if (end > input.length) throw corrupt(CODEC, `chunk of ${len} bytes runs past the end`);
    if (!seenHeader && type !== 0xff) throw corrupt(CODEC, 'missing stream identifier');
    const maxBlock = snappy ? MAX_SNAPPY_BLOCK : MAX_BLOCK;
    if (type === 0xff) {
      const magic = String.fromCharCode(...input.subarray(body, end));
      if (magic === MAGIC_S2) snappy = false;
      else if (magic === MAGIC_SNAPPY) snappy = true;
      else throw corrupt(CODEC, 'bad stream identifier');
      seenHeader = true;
    } else if (type === 0x00) {
      if (len < 4) throw corrupt(CODEC, 'compressed chunk shorter than its CRC');
      const crc = readCrc(input, body);
      const [n, h] = s2DecodedLength(input, body + 4, end);
      if (n > maxBlock) throw corrupt(CODEC, `block of ${n} bytes exceeds ${maxBlock}`);
      const at = out.length;
      decodeS2Block(input, body + 4 + h, end, n, out);
      if (maskedCrc32c(out.buf, at, at + n) !== crc) throw corrupt(CODEC, 'block CRC mismatch');
    } else if (type === 0x01) {
      if (len < 4) throw corrupt(CODEC, 'uncompressed chunk shorter than its CRC');
      const n = len - 4;
      if (n > maxBlock) throw corrupt(CODEC, `block of ${n} bytes exceeds ${maxBlock}`);
      const crc = readCrc(input, body);
      if (maskedCrc32c(input, body + 4, end) !== crc) throw corrupt(CODEC, 'block CRC mismatch');
      out.reserve(n);
      out.buf.set(input.subarray(body + 4, end), out.length);
      out.length += n;
    } else if (type <= 0x7f) {
      throw corrupt(CODEC, `reserved unskippable chunk type 0x${type.toString(16)}`);
    }
    // 0x80-0xfe: skippable (padding, index)
    p = end;
  }
  return out.result();
}
