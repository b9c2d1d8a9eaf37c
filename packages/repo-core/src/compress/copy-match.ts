/** The LZ77 back-reference copy shared by the S2 and LZ4 block decoders. */

/**
 * Copy `length` bytes from `offset` back to `d` (LZ77 semantics: overlapping copies repeat the
 * last `offset` bytes); returns the new end. Shared by the S2 and LZ4 block decoders.
 */
export function copyMatch(dst: Uint8Array, d: number, offset: number, length: number): number {
  if (length < 32) {
    for (const stop = d + length; d < stop; d++) dst[d] = dst[d - offset]!;
    return d;
  }
  // Grow the copied run in multiples of `offset`, so each copyWithin reads finished bytes.
  const p = d - offset;
  let w = 0;
  while (w < length) {
    const n = Math.min(offset + w, length - w);
    dst.copyWithin(d + w, p, p + n);
    w += n;
  }
  return d + length;
}
