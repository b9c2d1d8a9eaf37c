/**
 * Decrypting whole blobs (index blobs, compaction logs, session markers, logs): the iv is the
 * hash tail hex-encoded in the blob's name; ECC, if on, is stripped first.
 * spec §5.3; kopia internal/blobcrypto/blob_crypto.go (getIndexBlobIV)
 */

import type { KopiaDecryptor } from '../crypto/kopia-encryption.js';
import { IntegrityError } from '../errors.js';
import { fromHex } from './ids.js';

/** the 16-byte iv of blob `id`: last 32 hex digits before the first `-` */
export function blobIv(id: string): Uint8Array {
  const dash = id.indexOf('-');
  const base = dash >= 0 ? id.slice(0, dash) : id;
  const iv = base.length >= 32 ? fromHex(base.slice(-32)) : undefined;
  if (!iv) throw new IntegrityError(`blob ${id}: name carries no iv`, { blobId: id });
  return iv;
}

/** strips the ECC wrapper (identity when ECC is off) */
export type EccStrip = (stored: Uint8Array, what: string) => Uint8Array;

export function decryptBlob(
  id: string,
  stored: Uint8Array,
  decryptor: KopiaDecryptor,
  strip: EccStrip,
): Uint8Array {
  const iv = blobIv(id);
  try {
    return decryptor.decrypt(strip(stored, `blob ${id}`), iv);
  } catch (e) {
    if (e instanceof IntegrityError && e.data['blobId'] === id) throw e;
    throw new IntegrityError(
      `blob ${id} failed to decrypt: ${e instanceof Error ? e.message : String(e)}`,
      { blobId: id },
      { cause: e },
    );
  }
}
