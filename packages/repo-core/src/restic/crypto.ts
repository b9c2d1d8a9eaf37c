/**
 * restic's encrypted object: IV(16) || AES-256-CTR ciphertext || Poly1305-AES tag(16), MAC over
 * the ciphertext only (spec §4.2–§4.5; restic internal/repository/crypto/crypto.go). The tag is
 * checked, in constant time, before anything is decrypted.
 */

import { aesCtr, aesCtrInto } from '../crypto/aes-ctr.js';
import { constantTimeEqual } from '../crypto/ct-equal.js';
import { poly1305Aes } from '../crypto/poly1305-aes.js';

export interface ResticKey {
  /** AES-256 key */
  readonly enc: Uint8Array;
  /** AES-128 key of Poly1305-AES */
  readonly macK: Uint8Array;
  /** Poly1305 r (may be stored unclamped) */
  readonly macR: Uint8Array;
}

export const OVERHEAD = 32;

export type DecryptFailure = 'too-short' | 'zero-nonce' | 'mac';

export class DecryptError extends Error {
  constructor(readonly reason: DecryptFailure) {
    super(
      reason === 'mac'
        ? 'ciphertext verification failed'
        : reason === 'zero-nonce'
          ? 'nonce is invalid'
          : 'ciphertext too short',
    );
  }
}

function allZero(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

export function validKey(k: ResticKey): boolean {
  return (
    k.enc.length === 32 &&
    k.macK.length === 16 &&
    k.macR.length === 16 &&
    !allZero(k.enc) &&
    !allZero(k.macK) &&
    !allZero(k.macR)
  );
}

/**
 * Verify and decrypt one object; with `into` (exactly `data.length - OVERHEAD` bytes) the
 * plaintext is written there and returned. Throws DecryptError; callers wrap it with the
 * object's name.
 */
export function decryptObject(key: ResticKey, data: Uint8Array, into?: Uint8Array): Uint8Array {
  if (data.length < OVERHEAD) throw new DecryptError('too-short');
  const iv = data.subarray(0, 16);
  if (allZero(iv)) throw new DecryptError('zero-nonce');
  const ct = data.subarray(16, data.length - 16);
  const tag = data.subarray(data.length - 16);
  if (!constantTimeEqual(poly1305Aes(key.macK, key.macR, iv, ct), tag))
    throw new DecryptError('mac');
  return into ? aesCtrInto(key.enc, iv, ct, into) : aesCtr(key.enc, iv, ct);
}
