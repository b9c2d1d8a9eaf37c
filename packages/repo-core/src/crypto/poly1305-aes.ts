/**
 * Poly1305-AES (Bernstein 2005) as restic uses it (restic spec §4.4; restic
 * internal/repository/crypto/crypto.go): s = AES-128_k(nonce), tag = Poly1305_{clamp(r) || s}(msg).
 * The stored r may be unclamped; the one-time Poly1305 clamps it.
 */

import { aesEncryptBlock } from './aes-ctr.js';
import { poly1305 } from './poly1305.js';

export function poly1305Aes(
  k: Uint8Array,
  r: Uint8Array,
  nonce: Uint8Array,
  message: Uint8Array,
): Uint8Array {
  if (k.length !== 16 || r.length !== 16 || nonce.length !== 16)
    throw new RangeError('Poly1305-AES needs 16-byte k, r and nonce');
  const key = new Uint8Array(32);
  key.set(r, 0);
  key.set(aesEncryptBlock(k, nonce), 16);
  return poly1305(key, message);
}
