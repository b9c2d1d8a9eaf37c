/**
 * HMAC over SHA-256, SHA-224, SHA3-224 and SHA3-256 (RFC 2104; FIPS 180-4, FIPS 202), used by
 * kopia for content hashes (spec §4) and per-item keys (spec §5.1).
 * Portable: @noble/hashes. Fast: node:crypto (~1.8 GB/s measured for SHA-256).
 * Usage is counted under `hmac-<algorithm>`.
 */

import type { CHash } from '@noble/hashes/utils.js';
import type * as NobleHmac from '@noble/hashes/hmac.js';
import type * as NobleSha2 from '@noble/hashes/sha2.js';
import type * as NobleSha3 from '@noble/hashes/sha3.js';

import { nodeCrypto } from './node-crypto.js';
import { portableModule } from './portable-module.js';
import { choosePath } from './select.js';

export type HmacAlgorithm = 'sha256' | 'sha224' | 'sha3-224' | 'sha3-256';

const nobleHmac = portableModule<typeof NobleHmac>(
  '@noble/hashes/hmac.js',
  () => import('@noble/hashes/hmac.js'),
);
const nobleSha2 = portableModule<typeof NobleSha2>(
  '@noble/hashes/sha2.js',
  () => import('@noble/hashes/sha2.js'),
);
const nobleSha3 = portableModule<typeof NobleSha3>(
  '@noble/hashes/sha3.js',
  () => import('@noble/hashes/sha3.js'),
);

function nobleHash(algorithm: HmacAlgorithm): CHash {
  switch (algorithm) {
    case 'sha256':
      return nobleSha2().sha256;
    case 'sha224':
      return nobleSha2().sha224;
    case 'sha3-224':
      return nobleSha3().sha3_224;
    case 'sha3-256':
      return nobleSha3().sha3_256;
  }
}

// digest lengths (FIPS 180-4, FIPS 202), known without loading the portable code
const SIZES: Record<HmacAlgorithm, number> = {
  sha256: 32,
  sha224: 28,
  'sha3-224': 28,
  'sha3-256': 32,
};

/** Output length in bytes of HMAC with `algorithm`. */
export function hmacSize(algorithm: HmacAlgorithm): number {
  return SIZES[algorithm];
}

/** HMAC of `data` under `key`. */
export function hmac(algorithm: HmacAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array {
  const nc = nodeCrypto;
  if (choosePath(`hmac-${algorithm}`, nc !== undefined) === 'fast' && nc) {
    const d = nc.createHmac(algorithm, key).update(data).digest();
    return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  }
  return nobleHmac().hmac(nobleHash(algorithm), key, data);
}

/** HMAC-SHA-256, the per-item key derivation of spec §5.1. */
export function hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  return hmac('sha256', key, data);
}
