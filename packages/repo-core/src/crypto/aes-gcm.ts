/**
 * AES-256-GCM decryption (NIST SP 800-38D), used by kopia for the format blob (spec §3.3),
 * `kopia.maintenance` (§17.2) and `AES256-GCM-HMAC-SHA256` contents (§5.2).
 * Portable: @noble/ciphers (~45 MB/s). Fast: node:crypto (~1.3 GB/s measured).
 * Usage counted as `aes-256-gcm`.
 */

import type * as NobleAes from '@noble/ciphers/aes.js';

import { authFailed, checkAeadArgs, checkInto, nodeAeadOpen } from './aead.js';
import { nodeCrypto } from './node-crypto.js';
import { portableModule } from './portable-module.js';
import { choosePath } from './select.js';

const nobleAes = portableModule<typeof NobleAes>(
  '@noble/ciphers/aes.js',
  () => import('@noble/ciphers/aes.js'),
);

/**
 * Verify and decrypt `sealed` = ciphertext ‖ 16-byte tag; with `into` (exactly the ciphertext's
 * length) the plaintext is written there and returned.
 * @throws IntegrityError when the tag does not match or `sealed` is shorter than a tag.
 */
export function aes256GcmOpen(
  key: Uint8Array,
  nonce: Uint8Array,
  sealed: Uint8Array,
  aad: Uint8Array,
  into?: Uint8Array,
): Uint8Array {
  checkAeadArgs('aes-256-gcm', key, nonce, sealed);
  if (into) checkInto('aes-256-gcm', sealed, into);
  const nc = nodeCrypto;
  if (choosePath('aes-256-gcm', nc !== undefined) === 'fast' && nc) {
    return nodeAeadOpen(nc, 'aes-256-gcm', key, nonce, sealed, aad, into);
  }
  const { gcm } = nobleAes();
  let plain: Uint8Array;
  try {
    plain = gcm(key, nonce, aad).decrypt(sealed);
  } catch (e) {
    throw authFailed('aes-256-gcm', e);
  }
  if (!into) return plain;
  into.set(plain);
  return into;
}
