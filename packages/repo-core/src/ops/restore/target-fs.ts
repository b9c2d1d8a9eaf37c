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

/**
 * a real directory at `path` (not a symlink to one), created 0700 when missing; true when this
 * call created it empty (so nothing below it can exist yet)
 */
export async function ensureDir(path: Buffer): Promise<boolean> {
  try {
    await mkdir(path, 0o700);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  const st = await lstat(path);
  if (st.isDirectory()) return false;
  await unlink(path);
  await mkdir(path, 0o700);
  return true;
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
  /** directories this restore created empty: entries below them need no existence checks */
  private readonly fresh = new Set<string>();

  constructor(
    private readonly root: Buffer,
    rootFresh = false,
  ) {
    this.known.add('');
    if (rootFresh) this.fresh.add('');
  }

  isFresh(rel: Buffer): boolean {
    return this.fresh.has(rel.toString('latin1'));
  }

  /** makes every directory of `rel` (a '/'-joined relative path of directories) */
  async ensure(rel: Buffer): Promise<void> {
    const key = rel.toString('latin1');
    if (this.known.has(key)) return;
    const slash = rel.lastIndexOf(0x2f);
    if (slash > 0) await this.ensure(rel.subarray(0, slash));
    if (await ensureDir(Buffer.concat([this.root, Buffer.from('/'), rel]))) this.fresh.add(key);
    this.known.add(key);
  }

  mark(rel: Buffer, created: boolean): void {
    this.known.add(rel.toString('latin1'));
    if (created) this.fresh.add(rel.toString('latin1'));
  }
}
