/**
 * LZ4 frame decoder (kopia header ID 0x1400 `lz4`, written by pierrec/lz4 v2.6.1; spec §7.1;
 * LZ4 Frame Format Description v1.6.x, LZ4 Block Format Description). Layout:
 *
 *   frame    = magic 0x184D2204 (LE) ‖ FLG ‖ BD ‖ [content size 8 LE] ‖ [dict ID 4] ‖ HC
 *              ‖ block* ‖ end mark 0x00000000 ‖ [content checksum 4 LE]
 *   FLG      = version 01 (bits 7-6) ‖ B.Indep (5) ‖ B.Checksum (4) ‖ C.Size (3)
 *              ‖ C.Checksum (2) ‖ reserved 0 (1) ‖ DictID (0)
 *   BD       = reserved 0 (7) ‖ block max size 4..7 = 64 KiB, 256 KiB, 1 MiB, 4 MiB (6-4) ‖ 0
 *   HC       = (XXH32(FLG..dict ID) >> 8) & 0xff
 *   block    = size 4 LE (high bit set: stored uncompressed) ‖ data ‖ [XXH32(data) 4 LE]
 *
 * Frames may follow one another; skippable frames (magic 0x184D2A50-5F ‖ size 4 LE ‖ body)
 * are skipped. Block-dependent frames (B.Indep = 0) may copy from the previous 64 KiB of output.
 * Preset dictionaries are not supported (no kopia writer sets one).
 */

import { UnsupportedFormatError } from '../errors.js';
import { checkMaxOutput, corrupt } from './limits.js';
import { decodeLz4Block } from './lz4-block.js';
import { BoundedOutput } from './out-buffer.js';
import { XxHash32, xxhash32 } from './xxhash32.js';

const CODEC = 'lz4';
const MAGIC = 0x184d2204;
const BLOCK_SIZES: Record<number, number> = { 4: 64 << 10, 5: 256 << 10, 6: 1 << 20, 7: 4 << 20 };

const u32 = (b: Uint8Array, p: number) =>
  (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;

/** Decode a sequence of LZ4 frames into at most `maxOutput` bytes. */
export function decodeLz4Frame(input: Uint8Array, maxOutput: number): Uint8Array {
  checkMaxOutput(CODEC, maxOutput);
  const out = new BoundedOutput(CODEC, maxOutput, Math.min(maxOutput, input.length * 2 + 1024));
  let p = 0;
  if (input.length === 0) throw corrupt(CODEC, 'empty input has no frame');
  while (p < input.length) {
    if (p + 4 > input.length) throw corrupt(CODEC, 'truncated frame magic');
    const magic = u32(input, p);
    if (magic >>> 4 === 0x184d2a5) {
      if (p + 8 > input.length) throw corrupt(CODEC, 'truncated skippable frame');
      p += 8 + u32(input, p + 4);
      if (p > input.length) throw corrupt(CODEC, 'skippable frame runs past the end');
      continue;
    }
    if (magic !== MAGIC) throw corrupt(CODEC, `bad frame magic 0x${magic.toString(16)}`);
    p = decodeFrame(input, p + 4, out);
  }
  return out.result();
}

function decodeFrame(src: Uint8Array, p: number, out: BoundedOutput): number {
  if (p + 3 > src.length) throw corrupt(CODEC, 'truncated frame descriptor');
  const descStart = p;
  const flg = src[p]!;
  const bd = src[p + 1]!;
  if (flg >>> 6 !== 1) throw corrupt(CODEC, `unsupported frame version ${flg >>> 6}`);
  if (flg & 0x02 || bd & 0x8f) throw corrupt(CODEC, 'reserved descriptor bits set');
  const independent = (flg & 0x20) !== 0;
  const blockChecksum = (flg & 0x10) !== 0;
  const hasSize = (flg & 0x08) !== 0;
  const contentChecksum = (flg & 0x04) !== 0;
  const hasDict = (flg & 0x01) !== 0;
  const blockMax = BLOCK_SIZES[(bd >>> 4) & 7];
  if (blockMax === undefined) throw corrupt(CODEC, `bad block size code ${(bd >>> 4) & 7}`);
  p += 2;
  let contentSize: number | undefined;
  if (hasSize) {
    if (p + 8 > src.length) throw corrupt(CODEC, 'truncated content size');
    contentSize = u32(src, p) + u32(src, p + 4) * 2 ** 32;
    if (contentSize > out.max - out.length) out.reserve(contentSize); // throws tooLarge
    p += 8;
  }
  if (hasDict) {
    throw new UnsupportedFormatError('LZ4 frames with a preset dictionary are not supported', {
      codec: CODEC,
    });
  }
  if (p + 1 > src.length) throw corrupt(CODEC, 'truncated header checksum');
  if (((xxhash32(src, descStart, p) >>> 8) & 0xff) !== src[p]) {
    throw corrupt(CODEC, 'frame descriptor checksum mismatch');
  }
  p += 1;
  const frameStart = out.length;
  const hash = contentChecksum ? new XxHash32() : undefined;
  while (true) {
    if (p + 4 > src.length) throw corrupt(CODEC, 'truncated block header');
    const word = u32(src, p);
    p += 4;
    if (word === 0) break;
    const stored = (word & 0x80000000) !== 0;
    const size = word & 0x7fffffff;
    if (size > blockMax) throw corrupt(CODEC, `block of ${size} bytes exceeds ${blockMax}`);
    const end = p + size;
    if (end + (blockChecksum ? 4 : 0) > src.length) throw corrupt(CODEC, 'truncated block');
    if (blockChecksum && xxhash32(src, p, end) !== u32(src, end)) {
      throw corrupt(CODEC, 'block checksum mismatch');
    }
    const at = out.length;
    if (stored) {
      out.reserve(size);
      out.buf.set(src.subarray(p, end), at);
      out.length += size;
    } else {
      decodeLz4Block(src, p, end, blockMax, independent ? at : frameStart, out);
    }
    hash?.update(out.buf, at, out.length);
    p = end + (blockChecksum ? 4 : 0);
  }
  if (contentSize !== undefined && out.length - frameStart !== contentSize) {
    throw corrupt(
      CODEC,
      `frame decoded to ${out.length - frameStart} bytes, header said ${contentSize}`,
    );
  }
  if (hash) {
    if (p + 4 > src.length) throw corrupt(CODEC, 'truncated content checksum');
    if (hash.digest() !== u32(src, p)) throw corrupt(CODEC, 'content checksum mismatch');
    p += 4;
  }
  return p;
}
