/**
 * On-disk cache of stored (still encrypted) tree blobs, keyed by repository id and blob id,
 * like restic's cache of tree packs. Entries are verified on use by the reader (MAC, then
 * SHA-256 against the id); a bad entry is dropped and read again from storage. Writes go to a
 * temp file renamed into place, so concurrent processes never see half an entry.
 */

import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface CachedBlob {
  readonly stored: Uint8Array;
  /** uncompressed length recorded with the entry (0: not compressed) */
  readonly uncompressedLength: number;
}

export interface BlobCache {
  get(type: string, id: string): Promise<CachedBlob | undefined>;
  put(type: string, id: string, stored: Uint8Array, uncompressedLength: number): Promise<void>;
  drop(type: string, id: string): Promise<void>;
}

const HEX64 = /^[0-9a-f]{64}$/;

export class DiskBlobCache implements BlobCache {
  constructor(readonly dir: string) {}

  #path(type: string, id: string): string {
    if (!HEX64.test(id) || !/^[a-z]+$/.test(type)) throw new RangeError('bad cache key');
    return join(this.dir, 'blobs', type, id.slice(0, 2), id);
  }

  async get(type: string, id: string): Promise<CachedBlob | undefined> {
    try {
      const b = await readFile(this.#path(type, id));
      if (b.length < 4) return undefined;
      return {
        uncompressedLength: b.readUInt32LE(0),
        stored: new Uint8Array(b.buffer, b.byteOffset + 4, b.length - 4),
      };
    } catch {
      return undefined;
    }
  }

  async put(type: string, id: string, stored: Uint8Array, uncompressedLength: number) {
    const path = this.#path(type, id);
    const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
    try {
      await mkdir(join(path, '..'), { recursive: true });
      const head = Buffer.alloc(4);
      head.writeUInt32LE(uncompressedLength, 0);
      await writeFile(tmp, Buffer.concat([head, stored]));
      await rename(tmp, path);
    } catch {
      await rm(tmp, { force: true }).catch(() => undefined);
    }
  }

  async drop(type: string, id: string) {
    await rm(this.#path(type, id), { force: true }).catch(() => undefined);
  }
}
