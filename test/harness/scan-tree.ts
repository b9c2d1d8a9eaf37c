/**
 * Describes a directory tree on disk as manifest entries (lstat, never following links): the
 * generator writes source manifests with it and compare-tree.ts scans restored trees with it, so
 * both sides of a comparison are measured the same way.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import type { ManifestEntry, ManifestEntryType } from './types.js';

const S_IFMT = 0o170000n;
const TYPES: Record<string, ManifestEntryType> = {
  [String(0o100000)]: 'file',
  [String(0o040000)]: 'dir',
  [String(0o120000)]: 'symlink',
  [String(0o010000)]: 'fifo',
  [String(0o140000)]: 'socket',
  [String(0o020000)]: 'chardev',
  [String(0o060000)]: 'blockdev',
};

/** Every entry under `root` (root itself as path ''), sorted by path bytes. */
export async function scanTree(root: string): Promise<ManifestEntry[]> {
  const found: Array<{ entry: ManifestEntry; inode?: string }> = [];
  await walk(Buffer.from(root), Buffer.alloc(0), found);
  found.sort((x, y) =>
    Buffer.compare(Buffer.from(x.entry.pathHex, 'hex'), Buffer.from(y.entry.pathHex, 'hex')),
  );
  // hard link groups, numbered in path order
  const groups = new Map<string, number>();
  const counts = new Map<string, number>();
  for (const { inode } of found) if (inode) counts.set(inode, (counts.get(inode) ?? 0) + 1);
  for (const item of found) {
    if (!item.inode || counts.get(item.inode)! < 2) continue;
    if (!groups.has(item.inode)) groups.set(item.inode, groups.size + 1);
    item.entry.hardlinkGroup = groups.get(item.inode)!;
  }
  return found.map((f) => f.entry);
}

async function walk(
  root: Buffer,
  relative: Buffer,
  out: Array<{ entry: ManifestEntry; inode?: string }>,
): Promise<void> {
  const full = relative.length ? Buffer.concat([root, Buffer.from('/'), relative]) : root;
  const st = await lstat(full, { bigint: true });
  const type = TYPES[String(st.mode & S_IFMT)];
  if (!type) throw new Error(`unknown file type ${st.mode.toString(8)} at ${full.toString()}`);
  const entry: ManifestEntry = {
    path: relative.toString('utf8'),
    pathHex: relative.toString('hex'),
    type,
    mode: Number(st.mode & 0o7777n),
    uid: Number(st.uid),
    gid: Number(st.gid),
    mtimeNs: st.mtimeNs.toString(),
  };
  let inode: string | undefined;
  if (type === 'file') {
    entry.size = Number(st.size);
    entry.sha256 = await sha256File(full);
    if (st.size > 0n && st.blocks * 512n < st.size) entry.sparse = true;
    if (st.nlink > 1n) inode = `${st.dev}:${st.ino}`;
  } else if (type === 'symlink') {
    entry.targetHex = (await readlink(full, { encoding: 'buffer' })).toString('hex');
  }
  out.push(inode ? { entry, inode } : { entry });
  if (type === 'dir') {
    for (const name of await readdir(full, { encoding: 'buffer' })) {
      const child = relative.length ? Buffer.concat([relative, Buffer.from('/'), name]) : name;
      await walk(root, child, out);
    }
  }
}

async function sha256File(path: Buffer): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
