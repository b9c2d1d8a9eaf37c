/**
 * Applies an entry's metadata to what restore created: owner (root only, by id or by name),
 * permission bits with setuid/setgid/sticky, xattrs, then atime/mtime last (nanoseconds; symlinks
 * not followed). Owner comes before mode because chown clears setuid/setgid. Failures other than
 * the entry vanishing are warnings, as in restic (`internal/restic/node.go` RestoreMetadata).
 */

import { chmod, lchown } from 'node:fs/promises';
import type { Entry } from '../../model.js';
import { setTimes, setXattr } from './native.js';
import { gidForName, uidForName } from './owners.js';

export type OwnerMode = 'id' | 'name' | 'none';

export interface MetadataOptions {
  /** restore owners (default: by id when running as root, else none) */
  owner: OwnerMode;
  /** which xattrs to restore; restic's default on Linux is `user.*` only */
  xattr: (name: string) => boolean;
  warn: (message: string) => void;
}

export function defaultOwnerMode(): OwnerMode {
  return typeof process.getuid === 'function' && process.getuid() === 0 ? 'id' : 'none';
}

export const userXattrsOnly = (name: string): boolean => name.startsWith('user.');

export function ownerIds(entry: Entry, mode: OwnerMode): [number, number] | undefined {
  if (mode === 'none' || entry.uid === undefined || entry.gid === undefined) return undefined;
  if (mode === 'name') {
    return [uidForName(entry.user) ?? entry.uid, gidForName(entry.group) ?? entry.gid];
  }
  return [entry.uid, entry.gid];
}

/** owner, mode and xattrs; times are separate because they must come after content writes */
export async function applyOwnerModeXattrs(
  path: Buffer,
  entry: Entry,
  opts: MetadataOptions,
): Promise<void> {
  const ids = ownerIds(entry, opts.owner);
  if (ids) {
    try {
      await lchown(path, ids[0], ids[1]);
    } catch (e) {
      opts.warn(`cannot set owner ${ids[0]}:${ids[1]}: ${(e as Error).message}`);
    }
  }
  if (entry.type !== 'symlink') {
    await chmod(path, entry.mode & 0o7777);
  }
  for (const x of entry.xattrs ?? []) {
    if (!opts.xattr(x.name)) continue;
    try {
      setXattr(path, x.name, x.value);
    } catch (e) {
      opts.warn(`cannot set xattr ${x.name}: ${(e as Error).message}`);
    }
  }
}

export async function applyTimes(path: Buffer, entry: Entry): Promise<void> {
  await setTimes(path, entry.atimeNs ?? entry.mtimeNs, entry.mtimeNs);
}
