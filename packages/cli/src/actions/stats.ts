/** What `salvage stats` does (options in commands/stats.ts): count, then print restic's layout. */

import type { Command } from 'commander';
import { stats, type Snapshot, type StatsMode } from '@salvage/repo-core';
import type { Ctx } from '../context.js';
import { formatSize } from '../format.js';
import { snapshotFilter, type SnapshotFilterOptions } from '../global.js';
import { openFromOptions, pickSnapshot } from '../open-repository.js';

export async function runStats(ctx: Ctx, ids: string[], c: Command): Promise<void> {
  const o = ctx.globals(c) as ReturnType<Ctx['globals']> &
    SnapshotFilterOptions & {
      mode: StatsMode;
    };
  const repo = await openFromOptions(o, ctx.io);
  try {
    const f = snapshotFilter(o);
    const snaps: Snapshot[] =
      ids.length > 0
        ? await Promise.all(ids.map((id) => pickSnapshot(repo, id, f)))
        : await repo.snapshots(f);
    const r = await stats(repo, snaps, o.mode);
    if (o.json) {
      ctx.json({
        mode: r.mode,
        snapshots_count: r.snapshots,
        total_file_count: r.files,
        total_dir_count: r.dirs,
        total_size: r.totalSize,
        total_blob_count: r.chunks,
        total_uncompressed_size: r.uncompressedSize,
        total_stored_size: r.storedSize,
      });
      return;
    }
    ctx.out(`Stats in ${r.mode} mode:`);
    ctx.out(`     Snapshots processed:  ${r.snapshots}`);
    ctx.out(`        Total File Count:  ${r.files}`);
    if (r.mode === 'restore-size') ctx.out(`         Total Dir Count:  ${r.dirs}`);
    ctx.out(`              Total Size:  ${formatSize(r.totalSize)}`);
    if (r.chunks !== undefined) {
      ctx.out(`        Total Chunk Count:  ${r.chunks}`);
      ctx.out(` Total Uncompressed Size:  ${formatSize(r.uncompressedSize!)}`);
      ctx.out(`       Total Stored Size:  ${formatSize(r.storedSize!)}`);
    }
  } finally {
    await repo.close();
  }
}
