/**
 * LZ4 block decoder (LZ4 Block Format Description): a sequence of
 *   token(1) = literal length (high 4 bits) ‖ match length − 4 (low 4 bits); 15 = more bytes
 *   [literal length bytes: 255 means add and continue] ‖ literals
 *   offset (2, LE, 1..65535) ‖ [match length bytes]          — absent in the last sequence
 * Decodes `src[start:end)` onto the end of `out`, producing at most `blockMax` bytes; copies may
 * reach back to `windowStart` (this block for independent frames, the frame start otherwise).
 */

import { copyMatch } from './copy-match.js';
import { corrupt, tooLarge } from './limits.js';
import type { BoundedOutput } from './out-buffer.js';

const CODEC = 'lz4';

export function decodeLz4Block(
  src: Uint8Array,
  start: number,
  end: number,
  blockMax: number,
  windowStart: number,
  out: BoundedOutput,
): void {
  out.reserve(Math.min(blockMax, out.max - out.length));
  const dst = out.buf;
  const base = out.length;
  const limit = Math.min(base + blockMax, out.max);
  const overflow = () =>
    limit === out.max && base + blockMax > out.max
      ? tooLarge(CODEC, out.max)
      : corrupt(CODEC, 'block decodes beyond its maximum size');
  let d = base;
  let s = start;
  while (true) {
    if (s >= end) throw corrupt(CODEC, 'block ends inside a sequence');
    const token = src[s++]!;
    let lit = token >>> 4;
    if (lit === 15) {
      let b: number;
      do {
        if (s >= end) throw corrupt(CODEC, 'truncated literal length');
        b = src[s++]!;
        lit += b;
      } while (b === 255);
    }
    if (lit > end - s) throw corrupt(CODEC, 'literals run past the block');
    if (lit > limit - d) throw overflow();
    if (lit <= 16) {
      for (let k = 0; k < lit; k++) dst[d + k] = src[s + k]!;
    } else dst.set(src.subarray(s, s + lit), d);
    d += lit;
    s += lit;
    if (s === end) break; // the last sequence has literals only
    if (s + 2 > end) throw corrupt(CODEC, 'truncated match offset');
    const offset = src[s]! | (src[s + 1]! << 8);
    s += 2;
    let len = (token & 15) + 4;
    if ((token & 15) === 15) {
      let b: number;
      do {
        if (s >= end) throw corrupt(CODEC, 'truncated match length');
        b = src[s++]!;
        len += b;
      } while (b === 255);
    }
    if (offset === 0 || offset > d - windowStart) {
      throw corrupt(CODEC, `match offset ${offset} reaches before the window`);
    }
    if (len > limit - d) throw overflow();
    d = copyMatch(dst, d, offset, len);
  }
  out.length = d;
}
