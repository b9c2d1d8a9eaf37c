/**
 * A read-only view of one key prefix of a Storage as a Storage of its own: a Velero bucket
 * holds one kopia repository per namespace under `<prefix>/kopia/<namespace>/`.
 */

import type { ObjectInfo, ReadRange, Storage } from '../storage/storage.js';

export class SubStorage implements Storage {
  readonly location: string;

  /** `prefix` ends with '/' (added when missing) */
  constructor(
    private readonly inner: Storage,
    private readonly prefix: string,
  ) {
    if (prefix !== '' && !prefix.endsWith('/')) this.prefix = prefix + '/';
    this.location = `${inner.location.replace(/\/$/, '')}/${this.prefix}`;
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    for await (const o of this.inner.list(this.prefix + prefix)) {
      yield { name: o.name.slice(this.prefix.length), size: o.size };
    }
  }

  read(name: string, range?: ReadRange): Promise<Uint8Array> {
    return this.inner.read(this.prefix + name, range);
  }

  async stat(name: string): Promise<ObjectInfo | undefined> {
    const o = await this.inner.stat(this.prefix + name);
    return o ? { name, size: o.size } : undefined;
  }

  /** the view does not own the underlying storage */
  async close(): Promise<void> {}
}
