/**
 * Keyed BLAKE2b, BLAKE2s (RFC 7693) and BLAKE3 hashing, used by kopia's content hashes (spec §4).
 * Portable: @noble/hashes (the reference; ~48 MB/s for BLAKE2b). Fast: hash-wasm (WebAssembly,
 * so it runs in browsers too; ~1 GB/s measured for BLAKE2b-256). A hasher is built once per key
 * (WASM instantiation is asynchronous); each call then picks its path with `choosePath`,
 * counted under the algorithm name. An empty key means the unkeyed hash, as in Go's
 * golang.org/x/crypto/blake2b.New256(nil). Both libraries load when first needed, not at import
 * (hash-wasm ~35 ms, see portable-module.ts for @noble): only kopia uses these hashes.
 */

import type * as NobleBlake2 from '@noble/hashes/blake2.js';
import type * as NobleBlake3 from '@noble/hashes/blake3.js';
import type { IHasher } from 'hash-wasm';

import { portableModule } from './portable-module.js';
import { choosePath, cryptoPreference } from './select.js';

const nobleBlake2 = portableModule<typeof NobleBlake2>(
  '@noble/hashes/blake2.js',
  () => import('@noble/hashes/blake2.js'),
);
const nobleBlake3 = portableModule<typeof NobleBlake3>(
  '@noble/hashes/blake3.js',
  () => import('@noble/hashes/blake3.js'),
);

/** Algorithm and digest-length parameter (which is part of the BLAKE2 parameter block). */
export type BlakeAlgorithm = 'blake2b-256' | 'blake2s-128' | 'blake2s-256' | 'blake3-256';

export type KeyedHash = (data: Uint8Array) => Uint8Array;

const SIZES: Record<BlakeAlgorithm, number> = {
  'blake2b-256': 32,
  'blake2s-128': 16,
  'blake2s-256': 32,
  'blake3-256': 32,
};

/** Digest length in bytes. */
export function blakeSize(algorithm: BlakeAlgorithm): number {
  return SIZES[algorithm];
}

function checkKey(algorithm: BlakeAlgorithm, key: Uint8Array): void {
  const ok =
    algorithm === 'blake3-256'
      ? key.length === 32
      : key.length <= (algorithm === 'blake2b-256' ? 64 : 32);
  if (!ok) throw new RangeError(`${algorithm}: a key of ${key.length} bytes is not allowed`);
}

function portable(algorithm: BlakeAlgorithm, key: Uint8Array): KeyedHash {
  const opts = { dkLen: SIZES[algorithm], ...(key.length > 0 ? { key } : {}) };
  if (algorithm === 'blake3-256') return (d) => nobleBlake3().blake3(d, { key });
  if (algorithm === 'blake2b-256') return (d) => nobleBlake2().blake2b(d, opts);
  return (d) => nobleBlake2().blake2s(d, opts);
}

async function wasm(algorithm: BlakeAlgorithm, key: Uint8Array): Promise<IHasher | undefined> {
  if (typeof WebAssembly !== 'object') return undefined;
  const k = key.length > 0 ? key : undefined;
  try {
    const { createBLAKE2b, createBLAKE2s, createBLAKE3 } = await import('hash-wasm');
    if (algorithm === 'blake3-256') return await createBLAKE3(256, key);
    if (algorithm === 'blake2b-256') return await createBLAKE2b(256, k);
    return await createBLAKE2s(SIZES[algorithm] * 8, k);
  } catch (e) {
    // No usable WebAssembly (e.g. a CSP forbidding it): the portable path serves.
    if (cryptoPreference() === 'fast') throw e;
    return undefined;
  }
}

/** A keyed BLAKE hash bound to a copy of `key`. */
export async function keyedBlake(algorithm: BlakeAlgorithm, key: Uint8Array): Promise<KeyedHash> {
  checkKey(algorithm, key);
  const k = key.slice();
  const slow = portable(algorithm, k);
  const fast = await wasm(algorithm, k);
  return (data) => {
    if (choosePath(algorithm, fast !== undefined) === 'fast' && fast) {
      fast.init();
      fast.update(data);
      return fast.digest('binary');
    }
    return slow(data);
  };
}

/** BLAKE3 `derive_key` mode: context string and key material → `length` bytes. */
export function blake3DeriveKey(context: string, material: Uint8Array, length = 32): Uint8Array {
  return nobleBlake3().blake3(material, {
    context: new TextEncoder().encode(context),
    dkLen: length,
  });
}
