/**
 * stats over a set of snapshots, in restic's modes: `restore-size` (files and bytes a restore
 * writes, hard links counted once per snapshot), `raw-data` (bytes the unique chunks occupy in
 * storage, from `chunks()` storedLength) and `files-by-contents` (unique file contents and their
 * size). Directory results are memoised by contentId, so shared subtrees are read once.
 * restic `cmd/restic/cmd_stats.go`.
 */

import type { Entry, Repository, Snapshot } from '../../model.js';

export type StatsMode = 'restore-size' | 'raw-data' | 'files-by-contents';

export interface StatsResult {
  mode: StatsMode;
  snapshots: number;
  files: number;
  dirs: number;
  totalSize: number;
  /** raw-data: unique chunks, their plaintext and stored bytes */
  chunks?: number;
  uncompressedSize?: number;
  storedSize?: number;
}

interface Counts {
  files: number;
  dirs: number;
  bytes: number;
}

export async function stats(
  repo: Pick<Repository, 'list' | 'root' | 'chunks'>,
  snapshots: readonly Snapshot[],
  mode: StatsMode,
  signal?: AbortSignal,
): Promise<StatsResult> {
  const res: StatsResult = { mode, snapshots: snapshots.length, files: 0, dirs: 0, totalSize: 0 };
  if (mode === 'restore-size') {
    const memo = new Map<string, Counts>();
    const count = async (dir: Entry, links: Set<string>): Promise<Counts> => {
      const key = dir.contentId;
      if (key !== undefined && memo.has(key)) return memo.get(key)!;
      const c: Counts = { files: 0, dirs: 0, bytes: 0 };
      let hasLinks = false;
      for await (const e of repo.list(dir)) {
        signal?.throwIfAborted();
        if (e.type === 'dir') {
          const sub = await count(e, links);
          c.dirs += 1 + sub.dirs;
          c.files += sub.files;
          c.bytes += sub.bytes;
          continue;
        }
        c.files++;
        if (e.type === 'file') {
          if (e.hardlinkKey !== undefined && (e.links ?? 0) > 1) {
            hasLinks = true;
            if (links.has(e.hardlinkKey)) continue;
            links.add(e.hardlinkKey);
          }
          c.bytes += e.size;
        }
      }
      if (key !== undefined && !hasLinks) memo.set(key, c);
      return c;
    };
    for (const s of snapshots) {
      const c = await count(await repo.root(s), new Set());
      res.files += c.files;
      res.dirs += c.dirs;
      res.totalSize += c.bytes;
    }
    return res;
  }
  const seenDirs = new Set<string>();
  const seenFiles = new Set<string>();
  const chunkSeen = new Set<string>();
  res.chunks = 0;
  res.uncompressedSize = 0;
  res.storedSize = 0;
  const visit = async (dir: Entry): Promise<void> => {
    if (dir.contentId !== undefined) {
      if (seenDirs.has(dir.contentId)) return;
      seenDirs.add(dir.contentId);
    }
    for await (const e of repo.list(dir)) {
      signal?.throwIfAborted();
      if (e.type === 'dir') {
        await visit(e);
        continue;
      }
      if (e.type !== 'file') continue;
      if (e.contentId !== undefined) {
        if (seenFiles.has(e.contentId)) continue;
        seenFiles.add(e.contentId);
      }
      res.files++;
      res.totalSize += e.size;
      if (mode === 'raw-data') {
        for await (const c of repo.chunks(e)) {
          if (chunkSeen.has(c.id)) continue;
          chunkSeen.add(c.id);
          res.chunks!++;
          res.uncompressedSize! += c.length;
          res.storedSize! += c.storedLength ?? c.length;
        }
      }
    }
  };
  for (const s of snapshots) await visit(await repo.root(s));
  if (mode === 'files-by-contents') {
    delete res.chunks;
    delete res.uncompressedSize;
    delete res.storedSize;
  }
  return res;
}
