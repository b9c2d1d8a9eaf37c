/**
 * S2 block decoder: Snappy's block format plus S2's extensions (klauspost/compress v1.18.2
 * s2/decode_other.go `s2Decode`; s2/README.md "Format Extensions"):
 *
 *   block   = uvarint(decodedLength) element*
 *   tag & 3 = 0 literal:  len-1 in tag>>2 (<60) or in the next 1/2/3/4 bytes (60..63), LE
 *           = 1 copy1:    length 4 + ((tag>>2)&7), offset ((tag&0xe0)<<3) | next byte;
 *                         offset 0 = S2 *repeat*: reuse the last offset, and lengths 5/6/7 mean
 *                         length = next 1 byte + 4, next 2 bytes + 260, next 3 bytes + 65540
 *           = 2 copy2:    length 1 + (tag>>2), offset = next 2 bytes LE
 *           = 3 copy4:    length 1 + (tag>>2), offset = next 4 bytes LE
 *
 * Copies may overlap (offset < length) and only reach back within this block. Decoding writes
 * into a caller's BoundedOutput at its current end.
 */

import { corrupt } from './limits.js';
import { copyMatch } from './copy-match.js';
import type { BoundedOutput } from './out-buffer.js';

const CODEC = 's2';

/** Read the uvarint decoded length at the start of a block: [value, header bytes]. */
export function s2DecodedLength(src: Uint8Array, start: number, end: number): [number, number] {
  let v = 0;
  let shift = 0;
  for (let i = start; i < end && i < start + 5; i++) {
    const b = src[i]!;
    v += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) {
      if (v > 0xffffffff) break;
      return [v, i + 1 - start];
    }
    shift += 7;
  }
  throw corrupt(CODEC, 'bad block length header');
}

/**
 * Decode the S2 block in `src[start:end)` whose decoded length `n` and header size the caller
 * already read (and bounded), appending exactly n bytes to `out`.
 */
export function decodeS2Block(
  src: Uint8Array,
  start: number,
  end: number,
  n: number,
  out: BoundedOutput,
): void {
  out.reserve(n);
  const dst = out.buf;
  const base = out.length;
  const limit = base + n;
  let d = base;
  let s = start;
  let offset = 0;
  while (s < end) {
    const tag = src[s]!;
    let length: number;
    switch (tag & 3) {
      case 0: {
        let x = tag >>> 2;
        if (x < 60) s += 1;
        else {
          const extra = x - 59; // 1..4 little-endian length bytes
          if (s + 1 + extra > end) throw corrupt(CODEC, 'truncated literal header');
          x = 0;
          for (let k = extra; k >= 1; k--) x = x * 256 + src[s + k]!;
          s += 1 + extra;
        }
        length = x + 1;
        if (length > limit - d || length > end - s) throw corrupt(CODEC, 'literal overruns block');
        if (length <= 16) {
          for (let k = 0; k < length; k++) dst[d + k] = src[s + k]!;
        } else dst.set(src.subarray(s, s + length), d);
        d += length;
        s += length;
        continue;
      }
      case 1: {
        if (s + 2 > end) throw corrupt(CODEC, 'truncated copy');
        length = (tag >>> 2) & 7;
        const toffset = ((tag & 0xe0) << 3) | src[s + 1]!;
        s += 2;
        if (toffset === 0) {
          // S2 repeat: keep the last offset.
          if (length === 5) {
            if (s + 1 > end) throw corrupt(CODEC, 'truncated repeat');
            length = src[s]! + 4;
            s += 1;
          } else if (length === 6) {
            if (s + 2 > end) throw corrupt(CODEC, 'truncated repeat');
            length = (src[s]! | (src[s + 1]! << 8)) + (1 << 8);
            s += 2;
          } else if (length === 7) {
            if (s + 3 > end) throw corrupt(CODEC, 'truncated repeat');
            length = (src[s]! | (src[s + 1]! << 8) | (src[s + 2]! << 16)) + (1 << 16);
            s += 3;
          }
        } else offset = toffset;
        length += 4;
        break;
      }
      case 2:
        if (s + 3 > end) throw corrupt(CODEC, 'truncated copy');
        length = 1 + (tag >>> 2);
        offset = src[s + 1]! | (src[s + 2]! << 8);
        s += 3;
        break;
      default:
        if (s + 5 > end) throw corrupt(CODEC, 'truncated copy');
        length = 1 + (tag >>> 2);
        offset = (src[s + 1]! | (src[s + 2]! << 8) | (src[s + 3]! << 16)) + src[s + 4]! * 2 ** 24;
        s += 5;
    }
    if (offset <= 0 || d - base < offset || length > limit - d) {
      throw corrupt(CODEC, `copy (offset ${offset}, length ${length}) outside the block`);
    }
    d = copyMatch(dst, d, offset, length);
  }
  if (d !== limit) throw corrupt(CODEC, `block decoded to ${d - base} bytes, header said ${n}`);
  out.length = limit;
}
