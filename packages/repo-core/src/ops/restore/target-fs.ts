/**
 * The few filesystem steps restore takes inside its target, each refusing to follow a symlink:
 * make a directory (replacing a non-directory found there, never descending through a link),
 * make the parents of an entry, remove whatever sits at a name. Paths are raw bytes.
 */

import { lstat, mkdir, rm, unlink } from 'node:fs/promises';
import type { BigIntStats } from 'node:fs';

export async function lstatOrUndefined(path: Buffer): Promise<BigIntStats | undefined> {
  try {
    return await lstat(path, { bigint: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** a real directory at `path` (not a symlink to one), created 0700 when missing */
export async function ensureDir(path: Buffer): Promise<void> {
  try {
    await mkdir(path, 0o700);
    return;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  const st = await lstat(path);
  if (st.isDirectory()) return;
  await unlink(path);
  await mkdir(path, 0o700);
}

/** removes a file, symlink, special file or whole directory at `path` (never following links) */
export async function removeAny(path: Buffer): Promise<void> {
  const st = await lstatOrUndefined(path);
  if (!st) return;
  if (st.isDirectory()) await rm(path, { recursive: true, force: true });
  else await unlink(path);
}

/** directories known to be real directories inside the target, by path bytes */
export class DirCache {
  private readonly known = new Set<string>();

  constructor(private readonly root: Buffer) {
    this.known.add('');
  }

  /** makes every directory of `rel` (a '/'-joined relative path of directories) */
  async ensure(rel: Buffer): Promise<void> {
    const key = rel.toString('latin1');
    if (this.known.has(key)) return;
    const slash = rel.lastIndexOf(0x2f);
    if (slash > 0) await this.ensure(rel.subarray(0, slash));
    await ensureDir(Buffer.concat([this.root, Buffer.from('/'), rel]));
    this.known.add(key);
  }

  mark(rel: Buffer): void {
    this.known.add(rel.toString('latin1'));
  }
}
