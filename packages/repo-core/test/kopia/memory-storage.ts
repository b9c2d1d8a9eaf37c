/**
 * An in-memory Storage for unit tests of the kopia layers (counts reads), standing in for a
 * directory only where the test is about naming, not about real repositories.
 */
import { IntegrityError, MissingObjectError } from '../../src/errors.js';
import type { ObjectInfo, ReadRange, Storage } from '../../src/storage/storage.js';

export class MemoryStorage implements Storage {
  readonly location = 'memory:';
  readonly objects = new Map<string, Uint8Array>();
  readonly reads: string[] = [];

  constructor(init: Record<string, string | Uint8Array> = {}) {
    for (const [k, v] of Object.entries(init)) {
      this.objects.set(k, typeof v === 'string' ? new TextEncoder().encode(v) : v);
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    for (const [name, v] of this.objects)
      if (name.startsWith(prefix)) yield { name, size: v.length };
  }

  async read(name: string, range?: ReadRange): Promise<Uint8Array> {
    const v = this.objects.get(name);
    if (!v) throw new MissingObjectError(`object ${name}`, { name });
    this.reads.push(name);
    if (!range) return v;
    if (range.offset + range.length > v.length) throw new IntegrityError(`short object ${name}`);
    return v.subarray(range.offset, range.offset + range.length);
  }

  async stat(name: string): Promise<ObjectInfo | undefined> {
    const v = this.objects.get(name);
    return v ? { name, size: v.length } : undefined;
  }

  async close(): Promise<void> {}
}
