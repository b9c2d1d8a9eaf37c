/** What `salvage ls` does (options in commands/ls.ts): list one directory, or a whole subtree. */

import type { Command } from 'commander';
import { ls, resolvePath, splitSnapshotPath, type LsSort } from '@salvage/repo-core';
import type { Ctx } from '../context.js';
import { entryJson, longLine, snapshotJson, table } from '../format.js';
import { snapshotFilter, type SnapshotFilterOptions } from '../global.js';
import { openFromOptions, pickSnapshot } from '../open-repository.js';

export async function runLs(ctx: Ctx, arg: string, c: Command): Promise<void> {
  const o = ctx.globals(c) as ReturnType<Ctx['globals']> &
    SnapshotFilterOptions & {
      recursive?: boolean;
      long?: boolean;
      sort: string;
      reverse?: boolean;
    };
  const repo = await openFromOptions(o, ctx.io);
  try {
    const { snapshot: spec, path } = splitSnapshotPath(arg);
    const snap = await pickSnapshot(repo, spec, snapshotFilter(o));
    const dir = await resolvePath(repo, await repo.root(snap), path);
    const base = path === '' ? '' : '/' + path.split('/').filter(Boolean).join('/');
    const sort = (o.sort === 'time' ? 'mtime' : o.sort) as LsSort;
    if (o.json) ctx.json({ struct_type: 'snapshot', ...snapshotJson(snap) });
    const rows: string[][] = [];
    for await (const item of ls(repo, dir, base, {
      recursive: o.recursive,
      sort,
      reverse: o.reverse,
    })) {
      if (o.json) ctx.json({ struct_type: 'node', ...entryJson(item.path, item.entry) });
      else if (o.long) rows.push(longLine(item.path, item.entry));
      else ctx.out(item.path);
    }
    if (rows.length > 0) ctx.out(table(rows));
  } finally {
    await repo.close();
  }
}
