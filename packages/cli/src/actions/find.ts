/**
 * What `salvage find` does (options in commands/find.ts): matches grouped by snapshot, or with
 * --history one path's state in every snapshot.
 */

import type { Command } from 'commander';
import { find, resolvePath, UsageError, type Snapshot } from '@salvage/repo-core';
import type { Ctx } from '../context.js';
import { entryJson, formatTime, longLine, table } from '../format.js';
import { snapshotFilter, type SnapshotFilterOptions } from '../global.js';
import { openFromOptions, pickSnapshot } from '../open-repository.js';

function parseTimeNs(s: string | undefined, what: string): bigint | undefined {
  if (s === undefined) return undefined;
  const ms = Date.parse(s);
  if (Number.isNaN(ms)) throw new UsageError(`${what}: cannot parse time ${JSON.stringify(s)}`);
  return BigInt(ms) * 1_000_000n;
}

export async function runFind(ctx: Ctx, patterns: string[], c: Command): Promise<void> {
  const o = ctx.globals(c) as ReturnType<Ctx['globals']> &
    SnapshotFilterOptions & {
      ignoreCase?: boolean;
      newest?: string;
      oldest?: string;
      snapshot: string[];
      history?: string;
    };
  if (patterns.length === 0 && !o.history)
    throw new UsageError('give at least one pattern or --history PATH');
  const repo = await openFromOptions(o, ctx.io);
  try {
    let snaps: Snapshot[];
    if (o.snapshot.length > 0)
      snaps = await Promise.all(o.snapshot.map((s) => pickSnapshot(repo, s)));
    else snaps = await repo.snapshots(snapshotFilter(o));
    if (o.history) {
      const rows: string[][] = [];
      for (const s of snaps) {
        let e;
        try {
          e = await resolvePath(repo, await repo.root(s), o.history);
        } catch {
          e = undefined;
        }
        if (o.json)
          ctx.json({
            snapshot: s.id,
            time: s.time.toISOString(),
            found: e !== undefined,
            entry: e ? entryJson(o.history, e) : undefined,
          });
        else
          rows.push([
            s.shortId,
            formatTime(s.time),
            ...(e ? longLine(o.history, e).slice(0, 5) : ['(absent)']),
            e?.contentId?.slice(0, 16) ?? '',
          ]);
      }
      if (!o.json) ctx.out(table(rows));
      return;
    }
    let last: string | undefined;
    const rows: string[][] = [];
    for await (const m of find(repo, snaps, {
      patterns,
      ignoreCase: o.ignoreCase,
      newerNs: parseTimeNs(o.oldest, '--oldest'),
      olderNs: parseTimeNs(o.newest, '--newest'),
    })) {
      if (o.json) {
        ctx.json({ snapshot: m.snapshot.id, ...entryJson(m.path, m.entry) });
        continue;
      }
      if (last !== m.snapshot.id) {
        if (rows.length) ctx.out(table(rows.splice(0)));
        ctx.out(
          `Found matching entries in snapshot ${m.snapshot.shortId} from ${formatTime(m.snapshot.time)}`,
        );
        last = m.snapshot.id;
      }
      rows.push(longLine(m.path, m.entry));
    }
    if (rows.length) ctx.out(table(rows));
  } finally {
    await repo.close();
  }
}
