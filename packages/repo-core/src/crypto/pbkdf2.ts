/**
 * PBKDF2-HMAC-SHA-256 (RFC 8018 §5.2), kopia's optional password KDF `pbkdf2-sha256-600000`
 * (spec §3.2; kopia internal/crypto/pb_key_deriver_pbkdf2.go). Asynchronous: 600 000 rounds take
 * ~0.3 s natively. Portable: @noble/hashes `pbkdf2Async`. Fast: node:crypto `pbkdf2` (off the
 * main thread). Usage counted as `pbkdf2-sha256`.
 */

import { nodeCrypto } from './node-crypto.js';
import { choosePath } from './select.js';

/** Largest iteration count accepted, so hostile metadata cannot stall a reader for hours. */
export const PBKDF2_MAX_ITERATIONS = 10_000_000;

export async function pbkdf2Sha256(
  password: Uint8Array,
  salt: Uint8Array,
  iterations: number,
  length: number,
): Promise<Uint8Array> {
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > PBKDF2_MAX_ITERATIONS) {
    throw new RangeError(
      `PBKDF2 iterations must be 1..${PBKDF2_MAX_ITERATIONS}, got ${iterations}`,
    );
  }
  if (!Number.isInteger(length) || length < 1 || length > 1024) {
    throw new RangeError(`PBKDF2 output length must be 1..1024 bytes, got ${length}`);
  }
  const nc = nodeCrypto;
  const fast = choosePath('pbkdf2-sha256', nc !== undefined) === 'fast';
  return pbkdf2Sha256Unchecked(password, salt, iterations, length, fast);
}

/**
 * The same without bounds or path accounting, for callers that bound their own input and count
 * their own path (scrypt's two one-round steps, whose first output is 128·r·p bytes): node:crypto
 * when `fast` and present, else @noble.
 */
export async function pbkdf2Sha256Unchecked(
  password: Uint8Array,
  salt: Uint8Array,
  iterations: number,
  length: number,
  fast: boolean,
): Promise<Uint8Array> {
  const nc = nodeCrypto;
  if (fast && nc) {
    return await new Promise<Uint8Array>((resolve, reject) => {
      nc.pbkdf2(password, salt, iterations, length, 'sha256', (err, key) => {
        if (err) reject(err);
        else resolve(new Uint8Array(key.buffer, key.byteOffset, key.byteLength));
      });
    });
  }
  // the portable code loads only when it runs (at import it cost every start; see portable-module.ts)
  const [{ pbkdf2Async }, { sha256 }] = await Promise.all([
    import('@noble/hashes/pbkdf2.js'),
    import('@noble/hashes/sha2.js'),
  ]);
  return await pbkdf2Async(sha256, password, salt, { c: iterations, dkLen: length });
}
