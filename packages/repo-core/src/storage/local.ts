/**
 * LocalStorage: a repository in a local directory, opened read-only. Listing walks the tree
 * below a prefix; reads are positional (`fs.read` at an offset), so a range never pulls in the
 * rest of the file. No code here creates, renames or deletes anything.
 *
 * Ranged reads (pack and blob reads: many per pack file during a restore) go through a small
 * LRU cache of open read-only handles, so a pack is opened and fstat'ed once rather than once
 * per blob. Handles are reference-counted: one is closed only when it has been evicted (or the
 * storage closed) and no read is using it. Whole-object reads (config, keys, indexes) open and
 * close the file each time, as they are read once.
 */

import { open, opendir, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

import { AccessDeniedError, MissingObjectError, StorageError, IntegrityError } from '../errors.js';
import type { ObjectInfo, ReadRange, Storage } from './storage.js';
import { checkObjectName } from './names.js';

const MAX_DEPTH = 16;

/** open handles kept for ranged reads */
const MAX_OPEN_HANDLES = 64;

interface CachedHandle {
  /** resolves to the handle and the file's size when opened */
  opened: Promise<{ fh: FileHandle; size: number }>;
  /** reads in flight using it */
  refs: number;
  /** no longer in the cache: close when refs drops to 0 */
  evicted: boolean;
}

export class LocalStorage implements Storage {
  readonly location: string;
  readonly #root: string;

  constructor(root: string) {
    this.#root = root;
    this.location = root;
  }

  #path(name: string): string {
    checkObjectName(name);
    return name === '' ? this.#root : join(this.#root, ...name.split('/'));
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    // Walk from the deepest directory the prefix names completely, then filter by the rest.
    const slash = prefix.lastIndexOf('/');
    const dirName = slash < 0 ? '' : prefix.slice(0, slash);
    yield* this.#walk(dirName, prefix, 0);
  }

  async *#walk(dirName: string, prefix: string, depth: number): AsyncIterable<ObjectInfo> {
    // repositories are at most a few levels deep; a bound also stops symlink cycles
    if (depth > MAX_DEPTH) return;
    let dir;
    try {
      dir = await opendir(this.#path(dirName));
    } catch (e) {
      const code = errnoCode(e);
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw this.#mapError(e, dirName);
    }
    for await (const d of dir) {
      const name = dirName === '' ? d.name : `${dirName}/${d.name}`;
      let isDir = d.isDirectory();
      let isFile = d.isFile();
      if (d.isSymbolicLink()) {
        const s = await stat(join(this.#path(dirName), d.name)).catch(() => undefined);
        isDir = s?.isDirectory() ?? false;
        isFile = s?.isFile() ?? false;
      }
      if (isDir) {
        // descend only where the prefix can still match
        if (
          prefix.startsWith(`${name}/`) ||
          `${name}/`.startsWith(prefix) ||
          name.startsWith(prefix)
        )
          yield* this.#walk(name, prefix, depth + 1);
      } else if (isFile && name.startsWith(prefix)) {
        const s = await stat(join(this.#path(dirName), d.name)).catch(() => undefined);
        if (s) yield { name, size: s.size };
      }
    }
  }

  readonly #handles = new Map<string, CachedHandle>();
  #closed = false;

  /** Take a reference on a cached handle for `name`, opening it if needed (LRU order). */
  #acquire(name: string): CachedHandle {
    let h = this.#handles.get(name);
    if (h) {
      // most recently used last
      this.#handles.delete(name);
      this.#handles.set(name, h);
    } else {
      const opened = (async () => {
        const fh = await open(this.#path(name), 'r');
        try {
          return { fh, size: (await fh.stat()).size };
        } catch (e) {
          await fh.close().catch(() => undefined);
          throw e;
        }
      })();
      const entry: CachedHandle = { opened, refs: 0, evicted: false };
      h = entry;
      this.#handles.set(name, entry);
      // a failed open is not cached
      opened.catch(() => {
        if (this.#handles.get(name) === entry) this.#handles.delete(name);
        entry.evicted = true;
      });
      while (this.#handles.size > MAX_OPEN_HANDLES) {
        const [oldName, old] = this.#handles.entries().next().value as [string, CachedHandle];
        this.#handles.delete(oldName);
        this.#evict(old);
      }
    }
    h.refs++;
    return h;
  }

  #release(h: CachedHandle): void {
    h.refs--;
    if (h.evicted && h.refs === 0) this.#closeHandle(h);
  }

  #evict(h: CachedHandle): void {
    h.evicted = true;
    if (h.refs === 0) this.#closeHandle(h);
  }

  #closeHandle(h: CachedHandle): void {
    // errors closing a read-only handle carry nothing the caller can act on
    h.opened.then(
      ({ fh }) => fh.close().catch(() => undefined),
      () => undefined,
    );
  }

  async read(name: string, range?: ReadRange): Promise<Uint8Array> {
    if (range && !this.#closed) return this.#readCached(name, range);
    let fh;
    try {
      fh = await open(this.#path(name), 'r');
    } catch (e) {
      throw this.#mapError(e, name);
    }
    try {
      const size = (await fh.stat()).size;
      const offset = range?.offset ?? 0;
      const length = range ? range.length : size;
      this.#checkRange(name, size, offset, length);
      return await this.#readAt(fh, name, offset, length);
    } catch (e) {
      throw e instanceof IntegrityError ? e : this.#mapError(e, name);
    } finally {
      await fh.close();
    }
  }

  /** a range past the end of a (immutable) repository file means the file is truncated */
  #checkRange(name: string, size: number, offset: number, length: number): void {
    if (offset < 0 || length < 0 || offset + length > size) {
      throw new IntegrityError(
        `${this.location}: ${name} is ${size} bytes, shorter than the range ${offset}+${length} asked for (truncated?)`,
        { location: this.location, name, size, offset, length },
      );
    }
  }

  async #readCached(name: string, range: ReadRange): Promise<Uint8Array> {
    const h = this.#acquire(name);
    try {
      let opened;
      try {
        opened = await h.opened;
      } catch (e) {
        throw this.#mapError(e, name);
      }
      const { fh } = opened;
      const { offset, length } = range;
      try {
        let size = opened.size;
        // files in a repository do not change, but look again before calling one truncated
        if (offset < 0 || length < 0 || offset + length > size) size = (await fh.stat()).size;
        this.#checkRange(name, size, offset, length);
        return await this.#readAt(fh, name, offset, length);
      } catch (e) {
        throw e instanceof IntegrityError ? e : this.#mapError(e, name);
      }
    } finally {
      this.#release(h);
    }
  }

  async #readAt(fh: FileHandle, name: string, offset: number, length: number): Promise<Uint8Array> {
    // not zeroed (every byte is read into it, or it is dropped with the error), with its own
    // ArrayBuffer (a decode worker can take it), and a Uint8Array: a Buffer's slice() is a view
    const out = new Uint8Array(Buffer.allocUnsafeSlow(length).buffer, 0, length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await fh.read(out, done, length - done, offset + done);
      if (bytesRead === 0) {
        throw new IntegrityError(`${this.location}: ${name} ended early while reading`, {
          location: this.location,
          name,
        });
      }
      done += bytesRead;
    }
    return out;
  }

  async stat(name: string): Promise<ObjectInfo | undefined> {
    try {
      const s = await stat(this.#path(name));
      return s.isFile() ? { name, size: s.size } : undefined;
    } catch (e) {
      const code = errnoCode(e);
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw this.#mapError(e, name);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    const handles = [...this.#handles.values()];
    this.#handles.clear();
    for (const h of handles) this.#evict(h);
  }

  #mapError(e: unknown, name: string): Error {
    const code = errnoCode(e);
    const data = { location: this.location, name, errno: code };
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR')
      return new MissingObjectError(`${name} (in ${this.location})`, data, { cause: e });
    if (code === 'EACCES' || code === 'EPERM')
      return new AccessDeniedError(`${this.location}: permission denied reading ${name}`, data, {
        cause: e,
      });
    return new StorageError(`${this.location}: cannot read ${name}: ${String(e)}`, data, {
      cause: e,
      retryable: code === 'EIO' || code === 'EAGAIN' || code === 'EMFILE',
    });
  }
}

function errnoCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string'
    ? e.code
    : undefined;
}
