/**
 * HMAC over SHA-256, SHA-224, SHA3-224 and SHA3-256 (RFC 2104; FIPS 180-4, FIPS 202), used by
 * kopia for content hashes (spec §4) and per-item keys (spec §5.1).
 * Portable: @noble/hashes. Fast: node:crypto (~1.8 GB/s measured for SHA-256).
 * Usage is counted under `hmac-<algorithm>`.
 */

import { hmac as nobleHmac } from '@noble/hashes/hmac.js';
import { sha224, sha256 } from '@noble/hashes/sha2.js';
import { sha3_224, sha3_256 } from '@noble/hashes/sha3.js';

import { nodeCrypto } from './node-crypto.js';
import { choosePath } from './select.js';

export type HmacAlgorithm = 'sha256' | 'sha224' | 'sha3-224' | 'sha3-256';

const noble = { sha256, sha224, 'sha3-224': sha3_224, 'sha3-256': sha3_256 } as const;

/** Output length in bytes of HMAC with `algorithm`. */
export function hmacSize(algorithm: HmacAlgorithm): number {
  return noble[algorithm].outputLen;
}

/** HMAC of `data` under `key`. */
export function hmac(algorithm: HmacAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array {
  const nc = nodeCrypto;
  if (choosePath(`hmac-${algorithm}`, nc !== undefined) === 'fast' && nc) {
    const d = nc.createHmac(algorithm, key).update(data).digest();
    return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  }
  return nobleHmac(noble[algorithm], key, data);
}

/** HMAC-SHA-256, the per-item key derivation of spec §5.1. */
export function hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  return hmac('sha256', key, data);
}
