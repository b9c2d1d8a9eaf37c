/** A Storage wrapper that counts reads (and can abort a run after N reads), for resume tests. */
import type { ObjectInfo, ReadRange, Storage } from '@salvage/repo-core';

export class CountingStorage implements Storage {
  reads = 0;
  bytes = 0;
  /** called on every read with the running count */
  onRead?: (n: number, name: string) => void;

  constructor(private readonly inner: Storage) {}

  get location(): string {
    return this.inner.location;
  }

  list(prefix: string): AsyncIterable<ObjectInfo> {
    return this.inner.list(prefix);
  }

  async read(name: string, range?: ReadRange): Promise<Uint8Array> {
    this.reads++;
    this.onRead?.(this.reads, name);
    const data = await this.inner.read(name, range);
    this.bytes += data.length;
    return data;
  }

  stat(name: string): Promise<ObjectInfo | undefined> {
    return this.inner.stat(name);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
