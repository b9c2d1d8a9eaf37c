/**
 * A Storage wrapper that keeps whole content-addressed files (`snapshots/<id>`, `index/<id>`)
 * on local disk, like restic's cache. Objects there are immutable and named by the SHA-256 of
 * their bytes, so a cached entry is checked against its name on every read and dropped when it
 * does not match. Writes go to a temp file renamed into place (safe with concurrent processes).
 * Nothing is ever written to the repository itself.
 */

import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { sha256 } from '../crypto/sha256.js';
import type { ObjectInfo, ReadRange, Storage } from '../storage/storage.js';

const CACHED = /^(snapshots|index)\/([0-9a-f]{64})$/;

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

export interface CacheCounters {
  hits: number;
  misses: number;
  dropped: number;
}

export class CachedStorage implements Storage {
  readonly location: string;
  readonly counters: CacheCounters = { hits: 0, misses: 0, dropped: 0 };

  constructor(
    readonly inner: Storage,
    /** the cache directory of this one repository */
    readonly dir: string,
  ) {
    this.location = inner.location;
  }

  list(prefix: string): AsyncIterable<ObjectInfo> {
    return this.inner.list(prefix);
  }

  stat(name: string): Promise<ObjectInfo | undefined> {
    return this.inner.stat(name);
  }

  async read(name: string, range?: ReadRange): Promise<Uint8Array> {
    const m = CACHED.exec(name);
    if (range || !m) return this.inner.read(name, range);
    const path = join(this.dir, m[1]!, m[2]!);
    try {
      const b = await readFile(path);
      const data = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
      if (hex(sha256(data)) === m[2]) {
        this.counters.hits++;
        return data;
      }
      this.counters.dropped++;
      await rm(path, { force: true });
    } catch {
      // not cached (or unreadable): fall through to storage
    }
    this.counters.misses++;
    const data = await this.inner.read(name);
    if (hex(sha256(data)) === m[2]) await this.#store(path, data);
    return data;
  }

  async #store(path: string, data: Uint8Array): Promise<void> {
    const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
    try {
      await mkdir(join(path, '..'), { recursive: true });
      await writeFile(tmp, data);
      await rename(tmp, path);
    } catch {
      await rm(tmp, { force: true }).catch(() => undefined);
    }
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
