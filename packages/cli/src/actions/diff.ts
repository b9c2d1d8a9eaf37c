/** What `salvage diff` does (options in commands/diff.ts): walk both trees, print each change. */

import type { Command } from 'commander';
import { diff, resolvePath, splitSnapshotPath } from '@salvage/repo-core';
import type { Ctx } from '../context.js';
import { entryJson } from '../format.js';
import { openFromOptions, pickSnapshot } from '../open-repository.js';

const MARK = { added: '+', removed: '-', modified: 'M', metadata: 'U', type: 'T' } as const;

export async function runDiff(ctx: Ctx, a: string, b: string, c: Command): Promise<void> {
  const o = ctx.globals(c) as ReturnType<Ctx['globals']> & { metadata: boolean };
  const repo = await openFromOptions(o, ctx.io);
  try {
    const side = async (arg: string) => {
      const { snapshot, path } = splitSnapshotPath(arg);
      const s = await pickSnapshot(repo, snapshot);
      return resolvePath(repo, await repo.root(s), path);
    };
    const [ea, eb] = await Promise.all([side(a), side(b)]);
    const counts = { added: 0, removed: 0, modified: 0, metadata: 0, type: 0 };
    for await (const d of diff(repo, ea, eb, { metadata: o.metadata })) {
      counts[d.kind]++;
      if (o.json) {
        ctx.json({
          message_type: 'change',
          kind: d.kind,
          path: d.path,
          modifier: MARK[d.kind],
          before: d.before ? entryJson(d.path, d.before) : undefined,
          after: d.after ? entryJson(d.path, d.after) : undefined,
        });
      } else
        ctx.out(
          `${MARK[d.kind]}    ${d.path}${d.after?.type === 'dir' || (!d.after && d.before?.type === 'dir') ? '/' : ''}`,
        );
    }
    if (o.json) ctx.json({ message_type: 'statistics', ...counts });
    else
      ctx.out(
        `\nadded ${counts.added}, removed ${counts.removed}, modified ${counts.modified}, metadata ${counts.metadata}, type changed ${counts.type}`,
      );
  } finally {
    await repo.close();
  }
}
