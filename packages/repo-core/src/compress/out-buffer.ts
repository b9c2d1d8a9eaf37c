/**
 * A growable output buffer with a hard ceiling, for the block decoders (S2, LZ4). It grows by
 * doubling, never past `max`; asking for more is an IntegrityError (`tooLarge`).
 */

import { tooLarge } from './limits.js';

export class BoundedOutput {
  buf: Uint8Array;
  length = 0;

  constructor(
    readonly codec: string,
    readonly max: number,
    initial = 64 * 1024,
  ) {
    this.buf = new Uint8Array(Math.min(initial, max));
  }

  /** Make room for `n` more bytes. */
  reserve(n: number): void {
    const need = this.length + n;
    if (need <= this.buf.length) return;
    if (need > this.max) throw tooLarge(this.codec, this.max);
    const next = new Uint8Array(Math.min(this.max, Math.max(need, this.buf.length * 2)));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  /** The bytes written so far (a view when the buffer is exactly full, else a trimmed copy). */
  result(): Uint8Array {
    return this.length === this.buf.length ? this.buf : this.buf.slice(0, this.length);
  }
}
