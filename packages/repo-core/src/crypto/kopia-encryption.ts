/**
 * kopia's content and blob encryption (spec §5; kopia repo/encryption/encryption.go,
 * aes256_gcm_hmac_sha256_encryptor.go, chacha20_poly1305_hmac_sha256_encryptor.go,
 * aead_helpers.go):
 *   K       = HKDF-SHA256(IKM = masterKey, salt = "encryption", info = "", 32)   (§5.1)
 *   itemKey = HMAC-SHA256(K, iv)
 *   stored  = nonce(12) ‖ ciphertext ‖ tag(16), AAD = iv                        (§5.2)
 * The iv is the content hash tail or the blob-name hash (§5.3); choosing it is the caller's job.
 */

import { IntegrityError, UnsupportedFormatError } from '../errors.js';
import { AEAD_NONCE_SIZE, AEAD_TAG_SIZE } from './aead.js';
import { aes256GcmOpen } from './aes-gcm.js';
import { chacha20Poly1305Open } from './chacha20-poly1305.js';
import { hkdfSha256 } from './hkdf.js';
import { hmacSha256 } from './hmac.js';

export const KOPIA_ENCRYPTION_NAMES = [
  'AES256-GCM-HMAC-SHA256',
  'CHACHA20-POLY1305-HMAC-SHA256',
] as const;

export type KopiaEncryptionName = (typeof KOPIA_ENCRYPTION_NAMES)[number];

/** Bytes kopia adds to every encrypted item: nonce and tag. */
export const KOPIA_ENCRYPTION_OVERHEAD = AEAD_NONCE_SIZE + AEAD_TAG_SIZE;

export interface KopiaDecryptor {
  readonly name: KopiaEncryptionName;
  readonly overhead: number;
  /**
   * Verify and decrypt one stored item with its `iv`; with `into` (exactly the stored length
   * less `overhead`) the plaintext is written there and returned.
   * @throws IntegrityError on a short input or a failed tag (add the object's name upstream).
   */
  decrypt(stored: Uint8Array, iv: Uint8Array, into?: Uint8Array): Uint8Array;
}

export function isKopiaEncryptionName(name: string): name is KopiaEncryptionName {
  return (KOPIA_ENCRYPTION_NAMES as readonly string[]).includes(name);
}

const PURPOSE_ENCRYPTION = new TextEncoder().encode('encryption');
const MIN_MASTER_KEY = 16;

/** The content-key derivation secret K of spec §5.1. */
export function deriveKopiaContentKey(masterKey: Uint8Array): Uint8Array {
  return hkdfSha256(masterKey, PURPOSE_ENCRYPTION, new Uint8Array(0), 32);
}

/**
 * The decryptor for repository encryption `name` and `masterKey`.
 * @throws UnsupportedFormatError for an unknown algorithm (including v0.8's removed ones).
 */
export function createKopiaDecryptor(name: string, masterKey: Uint8Array): KopiaDecryptor {
  if (!isKopiaEncryptionName(name)) {
    throw new UnsupportedFormatError(`unsupported kopia encryption algorithm "${name}"`, {
      encryption: name,
      supported: [...KOPIA_ENCRYPTION_NAMES],
    });
  }
  if (masterKey.length < MIN_MASTER_KEY) {
    throw new UnsupportedFormatError(
      `kopia master key of ${masterKey.length} bytes is too short (kopia writes 32)`,
      { encryption: name, masterKeyLength: masterKey.length },
    );
  }
  const k = deriveKopiaContentKey(masterKey);
  const open = name === 'AES256-GCM-HMAC-SHA256' ? aes256GcmOpen : chacha20Poly1305Open;
  return {
    name,
    overhead: KOPIA_ENCRYPTION_OVERHEAD,
    decrypt(stored, iv, into) {
      if (stored.length < KOPIA_ENCRYPTION_OVERHEAD) {
        throw new IntegrityError(
          `encrypted item of ${stored.length} bytes is shorter than nonce and tag (${KOPIA_ENCRYPTION_OVERHEAD})`,
          { encryption: name, length: stored.length },
        );
      }
      const itemKey = hmacSha256(k, iv);
      return open(
        itemKey,
        stored.subarray(0, AEAD_NONCE_SIZE),
        stored.subarray(AEAD_NONCE_SIZE),
        iv,
        into,
      );
    },
  };
}
