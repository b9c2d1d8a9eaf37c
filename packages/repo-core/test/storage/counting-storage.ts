/** A Storage wrapper that records every read (name, range, bytes) for I/O assertions. */
import type { ObjectInfo, ReadRange, Storage } from '../../src/storage/storage.js';

export interface ReadRecord {
  name: string;
  offset: number;
  length: number;
}

export class CountingStorage implements Storage {
  readonly reads: ReadRecord[] = [];
  lists = 0;
  constructor(readonly inner: Storage) {}
  get location(): string {
    return this.inner.location;
  }
  list(prefix: string): AsyncIterable<ObjectInfo> {
    this.lists++;
    return this.inner.list(prefix);
  }
  async read(name: string, range?: ReadRange): Promise<Uint8Array> {
    const data = await this.inner.read(name, range);
    this.reads.push({ name, offset: range?.offset ?? 0, length: data.length });
    return data;
  }
  stat(name: string): Promise<ObjectInfo | undefined> {
    return this.inner.stat(name);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
  reset(): void {
    this.reads.length = 0;
    this.lists = 0;
  }
}
