/** `salvage stats [SNAPSHOT...]`: restore size, raw stored size, or unique contents. */

import { Option, type Command } from 'commander';
import { stats, type Snapshot, type StatsMode } from '@salvage/repo-core';
import type { Ctx } from '../context.js';
import { formatSize } from '../format.js';
import {
  addSnapshotFilterOptions,
  type SnapshotFilterOptions,
  openFromOptions,
  pickSnapshot,
  snapshotFilter,
} from '../global.js';

export function registerStats(program: Command, ctx: Ctx): void {
  const cmd = program
    .command('stats')
    .description('sizes of snapshots: what a restore writes, what storage holds, unique contents')
    .argument('[snapshots...]', 'snapshot ids (default: all matching the filters)')
    .addOption(
      new Option('--mode <mode>', 'what to count')
        .choices(['restore-size', 'raw-data', 'files-by-contents'])
        .default('restore-size'),
    )
    .addHelpText('after', '\nExample:\n  salvage -r /srv/restic stats --mode raw-data latest');
  addSnapshotFilterOptions(cmd).action(async (ids: string[], _opts: unknown, c: Command) => {
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
  });
}
