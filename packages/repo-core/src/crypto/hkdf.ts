/**
 * HKDF with SHA-256 (RFC 5869), argument order (IKM, salt, info, length) as in kopia spec §0.
 * kopia uses it for the format-blob keys (spec §3.3: salt = uniqueID, info = purpose) and the
 * content key (spec §5.1: salt = "encryption", info empty); kopia internal/crypto/key_derivation.go.
 * Portable: @noble/hashes/hkdf. Fast: node:crypto `hkdfSync`. Usage counted as `hkdf-sha256`.
 */

import type * as NobleHkdf from '@noble/hashes/hkdf.js';
import type * as NobleSha2 from '@noble/hashes/sha2.js';

import { nodeCrypto } from './node-crypto.js';
import { portableModule } from './portable-module.js';
import { choosePath } from './select.js';

const nobleHkdf = portableModule<typeof NobleHkdf>(
  '@noble/hashes/hkdf.js',
  () => import('@noble/hashes/hkdf.js'),
);
const nobleSha2 = portableModule<typeof NobleSha2>(
  '@noble/hashes/sha2.js',
  () => import('@noble/hashes/sha2.js'),
);

/** HKDF-SHA-256 → `length` bytes (at most 255·32). */
export function hkdfSha256(
  ikm: Uint8Array,
  salt: Uint8Array,
  info: Uint8Array,
  length: number,
): Uint8Array {
  if (!Number.isInteger(length) || length < 1 || length > 255 * 32) {
    throw new RangeError(`HKDF-SHA256 output length must be 1..8160 bytes, got ${length}`);
  }
  const nc = nodeCrypto;
  if (choosePath('hkdf-sha256', nc !== undefined) === 'fast' && nc) {
    return new Uint8Array(nc.hkdfSync('sha256', ikm, salt, info, length));
  }
  return nobleHkdf().hkdf(nobleSha2().sha256, ikm, salt, info, length);
}
