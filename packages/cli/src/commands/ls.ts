/** `salvage ls SNAPSHOT[:path]`: browse a snapshot, optionally recursive and in long format. */

import { Option, type Command } from 'commander';
import { ls, resolvePath, splitSnapshotPath, type LsSort } from '@salvage/repo-core';
import type { Ctx } from '../context.js';
import { entryJson, longLine, snapshotJson, table } from '../format.js';
import {
  addSnapshotFilterOptions,
  type SnapshotFilterOptions,
  openFromOptions,
  pickSnapshot,
  snapshotFilter,
} from '../global.js';

export function registerLs(program: Command, ctx: Ctx): void {
  const cmd = program
    .command('ls')
    .description('list the entries of a snapshot directory')
    .argument('<snapshot>', 'snapshot id, prefix or latest, optionally with :path')
    .option('-R, --recursive', 'list subdirectories too')
    .option('-l, --long', 'long format: mode, owner, size, time')
    .addOption(
      new Option('--sort <key>', 'sort within each directory')
        .choices(['name', 'size', 'time', 'none'])
        .default('name'),
    )
    .option('--reverse', 'reverse the sort order')
    .addHelpText('after', '\nExample:\n  salvage -r /srv/restic ls -l latest:/home/user');
  addSnapshotFilterOptions(cmd).action(async (arg: string, _opts: unknown, c: Command) => {
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
  });
}
