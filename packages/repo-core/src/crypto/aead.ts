/**
 * Shared pieces of the two AEADs kopia uses (AES-256-GCM and ChaCha20-Poly1305, spec §5.2):
 * 32-byte key, 12-byte nonce, ciphertext with the 16-byte tag appended, additional data.
 * The tag is checked before any plaintext is returned; a failure is an IntegrityError that the
 * caller enriches with the object it was reading.
 */

import type * as NodeCrypto from 'node:crypto';

import { IntegrityError } from '../errors.js';

export const AEAD_KEY_SIZE = 32;
export const AEAD_NONCE_SIZE = 12;
export const AEAD_TAG_SIZE = 16;

export type AeadAlgorithm = 'aes-256-gcm' | 'chacha20-poly1305';

/** Argument checks shared by every AEAD implementation (caller errors are RangeErrors). */
export function checkAeadArgs(
  algorithm: AeadAlgorithm,
  key: Uint8Array,
  nonce: Uint8Array,
  sealed: Uint8Array,
): void {
  if (key.length !== AEAD_KEY_SIZE) {
    throw new RangeError(`${algorithm}: key must be ${AEAD_KEY_SIZE} bytes, got ${key.length}`);
  }
  if (nonce.length !== AEAD_NONCE_SIZE) {
    throw new RangeError(
      `${algorithm}: nonce must be ${AEAD_NONCE_SIZE} bytes, got ${nonce.length}`,
    );
  }
  if (sealed.length < AEAD_TAG_SIZE) {
    throw new IntegrityError(
      `${algorithm}: ciphertext of ${sealed.length} bytes is shorter than its ${AEAD_TAG_SIZE}-byte tag`,
      { algorithm, length: sealed.length },
    );
  }
}

export function authFailed(algorithm: AeadAlgorithm, cause?: unknown): IntegrityError {
  return new IntegrityError(
    `${algorithm}: authentication tag does not match (wrong key or corrupt data)`,
    { algorithm },
    { cause },
  );
}

/** node's cipher output per update into a caller's buffer: 64 KiB slices (see aes-ctr.ts) */
const INTO_SLICE = 64 * 1024;

/** `into` for an AEAD's plaintext: exactly the ciphertext's length (else a RangeError) */
export function checkInto(algorithm: AeadAlgorithm, sealed: Uint8Array, into: Uint8Array): void {
  if (into.length !== sealed.length - AEAD_TAG_SIZE)
    throw new RangeError(
      `${algorithm}: output of ${into.length} bytes for ${sealed.length - AEAD_TAG_SIZE} of ciphertext`,
    );
}

/**
 * node:crypto AEAD open; plaintext is only handed out after `final()` has checked the tag. With
 * `into` the plaintext is written there (and returned); after a failed tag it holds unverified
 * bytes, which the caller must not use (the error says so).
 */
export function nodeAeadOpen(
  nc: typeof NodeCrypto,
  algorithm: AeadAlgorithm,
  key: Uint8Array,
  nonce: Uint8Array,
  sealed: Uint8Array,
  aad: Uint8Array,
  into?: Uint8Array,
): Uint8Array {
  const ctLen = sealed.length - AEAD_TAG_SIZE;
  // The cast only picks the overload: both algorithms take authTagLength and setAAD options.
  const d = nc.createDecipheriv(algorithm as 'aes-256-gcm', key, nonce, {
    authTagLength: AEAD_TAG_SIZE,
  });
  d.setAAD(aad, { plaintextLength: ctLen });
  d.setAuthTag(sealed.subarray(ctLen));
  if (into) {
    checkInto(algorithm, sealed, into);
    for (let at = 0; at < ctLen; at += INTO_SLICE)
      into.set(d.update(sealed.subarray(at, Math.min(ctLen, at + INTO_SLICE))), at);
    let rest: Uint8Array;
    try {
      rest = d.final();
    } catch (e) {
      throw authFailed(algorithm, e);
    }
    if (rest.length !== 0) throw authFailed(algorithm); // stream ciphers: nothing is held back
    return into;
  }
  const head = d.update(sealed.subarray(0, ctLen));
  let tail: Uint8Array;
  try {
    tail = d.final();
  } catch (e) {
    throw authFailed(algorithm, e);
  }
  if (tail.length === 0) return new Uint8Array(head.buffer, head.byteOffset, head.byteLength);
  const out = new Uint8Array(ctLen);
  out.set(head, 0);
  out.set(tail, head.length);
  return out;
}
