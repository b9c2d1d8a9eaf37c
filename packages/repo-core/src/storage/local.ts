/**
 * LocalStorage: a repository in a local directory, opened read-only. Listing walks the tree
 * below a prefix; reads are positional (`fs.read` at an offset), so a range never pulls in the
 * rest of the file. No code here creates, renames or deletes anything.
 */

import { open, opendir, stat } from 'node:fs/promises';
import { join } from 'node:path';

import { AccessDeniedError, MissingObjectError, StorageError, IntegrityError } from '../errors.js';
import type { ObjectInfo, ReadRange, Storage } from './storage.js';
import { checkObjectName } from './names.js';

const MAX_DEPTH = 16;

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

  async read(name: string, range?: ReadRange): Promise<Uint8Array> {
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
      if (offset < 0 || length < 0 || offset + length > size) {
        throw new IntegrityError(
          `${this.location}: ${name} is ${size} bytes, shorter than the range ${offset}+${length} asked for (truncated?)`,
          { location: this.location, name, size, offset, length },
        );
      }
      const out = new Uint8Array(length);
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
    } catch (e) {
      throw e instanceof IntegrityError ? e : this.#mapError(e, name);
    } finally {
      await fh.close();
    }
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

  async close(): Promise<void> {}

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
