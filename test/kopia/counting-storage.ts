/** A Storage wrapper that records every read (name, range, bytes), for ranged-read tests. */
import type { ObjectInfo, ReadRange, Storage } from '@salvage/repo-core';

export class CountingStorage implements Storage {
  reads: { name: string; range?: ReadRange; bytes: number }[] = [];

  constructor(private readonly inner: Storage) {}

  get location(): string {
    return this.inner.location;
  }

  list(prefix: string): AsyncIterable<ObjectInfo> {
    return this.inner.list(prefix);
  }

  async read(name: string, range?: ReadRange): Promise<Uint8Array> {
    const b = await this.inner.read(name, range);
    this.reads.push({ name, ...(range ? { range } : {}), bytes: b.length });
    return b;
  }

  stat(name: string): Promise<ObjectInfo | undefined> {
    return this.inner.stat(name);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
