/**
 * ChaCha20-Poly1305 decryption (RFC 8439, 12-byte nonce), used by kopia for
 * `CHACHA20-POLY1305-HMAC-SHA256` contents (spec §5.2). Not in WebCrypto.
 * Portable: @noble/ciphers. Fast: node:crypto (~480 MB/s measured).
 * Usage counted as `chacha20-poly1305`.
 */

import type * as NobleChacha from '@noble/ciphers/chacha.js';

import { authFailed, checkAeadArgs, checkInto, nodeAeadOpen } from './aead.js';
import { nodeCrypto } from './node-crypto.js';
import { portableModule } from './portable-module.js';
import { choosePath } from './select.js';

const nobleChacha = portableModule<typeof NobleChacha>(
  '@noble/ciphers/chacha.js',
  () => import('@noble/ciphers/chacha.js'),
);

/**
 * Verify and decrypt `sealed` = ciphertext ‖ 16-byte tag; with `into` (exactly the ciphertext's
 * length) the plaintext is written there and returned.
 * @throws IntegrityError when the tag does not match or `sealed` is shorter than a tag.
 */
export function chacha20Poly1305Open(
  key: Uint8Array,
  nonce: Uint8Array,
  sealed: Uint8Array,
  aad: Uint8Array,
  into?: Uint8Array,
): Uint8Array {
  checkAeadArgs('chacha20-poly1305', key, nonce, sealed);
  if (into) checkInto('chacha20-poly1305', sealed, into);
  const nc = nodeCrypto;
  if (choosePath('chacha20-poly1305', nc !== undefined) === 'fast' && nc) {
    return nodeAeadOpen(nc, 'chacha20-poly1305', key, nonce, sealed, aad, into);
  }
  const { chacha20poly1305 } = nobleChacha();
  let plain: Uint8Array;
  try {
    plain = chacha20poly1305(key, nonce, aad).decrypt(sealed);
  } catch (e) {
    throw authFailed('chacha20-poly1305', e);
  }
  if (!into) return plain;
  into.set(plain);
  return into;
}
