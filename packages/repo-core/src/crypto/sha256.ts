/**
 * SHA-256 (FIPS 180-4), one-shot and incremental. Portable: @noble/hashes (~153 MB/s).
 * Fast: node:crypto (SHA-NI, ~1.8 GB/s measured).
 */

import type * as NobleSha2 from '@noble/hashes/sha2.js';

import { nodeCrypto } from './node-crypto.js';
import { portableModule } from './portable-module.js';
import { choosePath, countPath, cryptoPreference } from './select.js';

const nobleSha2 = portableModule<typeof NobleSha2>(
  '@noble/hashes/sha2.js',
  () => import('@noble/hashes/sha2.js'),
);

export interface Sha256 {
  update(data: Uint8Array): Sha256;
  digest(): Uint8Array;
}

export function sha256(data: Uint8Array): Uint8Array {
  const nc = nodeCrypto;
  if (choosePath('sha256', nc !== undefined) === 'fast' && nc) {
    // one-shot crypto.hash (Node ≥ 20.12) skips the Hash object: ~3 µs less per call
    const h =
      typeof nc.hash === 'function'
        ? (nc.hash('sha256', data, 'buffer') as Buffer)
        : nc.createHash('sha256').update(data).digest();
    return new Uint8Array(h.buffer, h.byteOffset, h.byteLength);
  }
  return nobleSha2().sha256(data);
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * SHA-256 as 64 lowercase hex characters: comparing that string with a stored id costs no
 * digest buffer and no hex decoding of the id (the fast path has node:crypto write hex).
 */
export function sha256Hex(data: Uint8Array): string {
  const nc = nodeCrypto;
  if (typeof nc?.hash === 'function' && cryptoPreference() !== 'portable') {
    countPath('sha256', 'fast');
    return nc.hash('sha256', data, 'hex') as string;
  }
  let s = '';
  for (const b of sha256(data)) s += HEX[b]!;
  return s;
}

export function createSha256(): Sha256 {
  const nc = nodeCrypto;
  if (choosePath('sha256', nc !== undefined) === 'fast' && nc) {
    const h = nc.createHash('sha256');
    const api: Sha256 = {
      update(d) {
        h.update(d);
        return api;
      },
      digest() {
        const b = h.digest();
        return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
      },
    };
    return api;
  }
  const h = nobleSha2().sha256.create();
  const api: Sha256 = {
    update(d) {
      h.update(d);
      return api;
    },
    digest: () => h.digest(),
  };
  return api;
}
