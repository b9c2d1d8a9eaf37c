/**
 * Unpacked files: snapshots, index, locks (spec §7; restic internal/repository/repository.go
 * LoadUnpacked). Read whole, SHA-256 of the stored bytes checked against the name (re-read
 * once on mismatch, as restic does), MAC checked, decrypted, then in v2 the version byte:
 * '{' or '[' plain JSON, 0x02 zstd-compressed JSON.
 */

import { zstdDecompress } from '../compress/zstd.js';
import { sha256Hex } from '../crypto/sha256.js';
import { IntegrityError } from '../errors.js';
import type { Storage } from '../storage/storage.js';
import { decryptObject, DecryptError, type ResticKey } from './crypto.js';
import { fileName, type FileKind } from './layout.js';

/** Largest unpacked file accepted (restic writes index files of a few MiB). */
export const MAX_UNPACKED_SIZE = 512 * 1024 * 1024;

export async function readVerified(
  storage: Storage,
  name: string,
  id: string,
): Promise<Uint8Array> {
  for (let attempt = 0; ; attempt++) {
    const data = await storage.read(name);
    if (sha256Hex(data) === id) return data;
    if (attempt >= 1)
      throw new IntegrityError(
        `${name}: content does not match its name (SHA-256 mismatch); the file is damaged`,
        { name },
      );
  }
}

export async function decodeUnpacked(
  plain: Uint8Array,
  version: number,
  what: string,
): Promise<Uint8Array> {
  if (version < 2 || plain.length === 0) return plain;
  const first = plain[0];
  if (first === 0x7b || first === 0x5b) return plain;
  if (first === 0x02) {
    try {
      return await zstdDecompress(plain.subarray(1), { maxLength: MAX_UNPACKED_SIZE });
    } catch (e) {
      throw new IntegrityError(`${what}: cannot decompress: ${String(e)}`, { what }, { cause: e });
    }
  }
  throw new IntegrityError(`${what}: not supported encoding format ${first}`, { what });
}

export function decryptOrThrow(key: ResticKey, data: Uint8Array, what: string): Uint8Array {
  try {
    return decryptObject(key, data);
  } catch (e) {
    if (e instanceof DecryptError)
      throw new IntegrityError(`${what}: ${e.message}`, { what, reason: e.reason }, { cause: e });
    throw e;
  }
}

/** Load, verify, decrypt and decode one unpacked file; returns its JSON text bytes. */
export async function loadUnpacked(
  storage: Storage,
  key: ResticKey,
  version: number,
  kind: FileKind,
  id: string,
): Promise<Uint8Array> {
  const name = fileName(kind, id);
  const data = await readVerified(storage, name, id);
  const plain = decryptOrThrow(key, data, name);
  return decodeUnpacked(plain, version, name);
}

export function parseJsonBytes(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as unknown;
  } catch (e) {
    throw new IntegrityError(`${what}: not valid JSON`, { what }, { cause: e });
  }
}
