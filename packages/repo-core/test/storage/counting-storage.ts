/**
 * A Storage wrapper that records every read (name, offset, bytes) for I/O assertions, and can
 * act on each read as it starts (resume tests abort a restore after N reads). The one copy for
 * every test suite.
 */
import type { ObjectInfo, ReadRange, Storage } from '../../src/storage/storage.js';

export interface ReadRecord {
  name: string;
  offset: number;
  /** bytes returned */
  length: number;
  /** asked with a range (not the whole object) */
  ranged: boolean;
}

export class CountingStorage implements Storage {
  readonly reads: ReadRecord[] = [];
  lists = 0;
  /** reads started (also those still in flight or failed); reset() keeps it */
  count = 0;
  /** called as each read starts, with the running count */
  onRead?: (count: number, name: string) => void;
  constructor(readonly inner: Storage) {}
  get location(): string {
    return this.inner.location;
  }
  list(prefix: string): AsyncIterable<ObjectInfo> {
    this.lists++;
    return this.inner.list(prefix);
  }
  async read(name: string, range?: ReadRange): Promise<Uint8Array> {
    this.count++;
    this.onRead?.(this.count, name);
    const data = await this.inner.read(name, range);
    this.reads.push({
      name,
      offset: range?.offset ?? 0,
      length: data.length,
      ranged: range !== undefined,
    });
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
