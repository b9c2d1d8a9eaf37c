/** What `salvage snapshots` does (options in commands/snapshots.ts): list, filter, print. */

import type { Command } from 'commander';
import type { Ctx } from '../context.js';
import { formatSize, formatTime, snapshotJson, table } from '../format.js';
import { snapshotFilter, type SnapshotFilterOptions } from '../global.js';
import { openFromOptions } from '../open-repository.js';

export async function runSnapshots(ctx: Ctx, c: Command): Promise<void> {
  const o = ctx.globals(c) as ReturnType<Ctx['globals']> & SnapshotFilterOptions;
  const repo = await openFromOptions(o, ctx.io);
  try {
    const list = await repo.snapshots(snapshotFilter(o));
    if (o.json) {
      ctx.io.stdout.write(JSON.stringify(list.map(snapshotJson)) + '\n');
      return;
    }
    const rows = [['ID', 'Time', 'Host', 'Tags', 'Size', 'Paths']];
    for (const s of list) {
      rows.push([
        s.shortId,
        formatTime(s.time),
        s.hostname,
        s.tags.join(','),
        s.summary?.bytes !== undefined ? formatSize(s.summary.bytes) : '',
        s.paths.join(', '),
      ]);
    }
    ctx.out(table(rows));
    ctx.out(`${list.length} snapshot${list.length === 1 ? '' : 's'}`);
  } finally {
    await repo.close();
  }
}
