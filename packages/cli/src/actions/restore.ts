/**
 * What `salvage restore` does (options in commands/restore.ts): read the pattern files, open the
 * repository, restore with progress, then the summary and every refused entry.
 */

import type { Command } from 'commander';
import {
  PartialFailureError,
  readPatternFiles,
  resolvePath,
  restore,
  splitSnapshotPath,
  UsageError,
  type OverwriteMode,
  type RestoreSummary,
} from '@salvage/repo-core';
import type { Ctx } from '../context.js';
import { formatSize } from '../format.js';
import { snapshotFilter, type SnapshotFilterOptions } from '../global.js';
import { openFromOptions, pickSnapshot } from '../open-repository.js';
import { progressRenderer } from '../progress.js';

interface RestoreFlags extends SnapshotFilterOptions {
  target?: string;
  include: string[];
  exclude: string[];
  iinclude: string[];
  iexclude: string[];
  includeFile: string[];
  excludeFile: string[];
  iincludeFile: string[];
  iexcludeFile: string[];
  overwrite: OverwriteMode;
  delete?: boolean;
  dryRun?: boolean;
  verify?: boolean;
  sparse?: boolean;
  owner?: 'id' | 'name' | 'none';
  xattr: string[];
  concurrency: string;
}

export async function runRestore(ctx: Ctx, arg: string, c: Command): Promise<void> {
  const o = ctx.globals(c) as ReturnType<Ctx['globals']> &
    RestoreFlags & { includeXattr: string[] };
  const env = ctx.io.env;
  const include = [...o.include, ...(await readPatternFiles(o.includeFile, env))];
  const exclude = [...o.exclude, ...(await readPatternFiles(o.excludeFile, env))];
  const iinclude = [...o.iinclude, ...(await readPatternFiles(o.iincludeFile, env))];
  const iexclude = [...o.iexclude, ...(await readPatternFiles(o.iexcludeFile, env))];
  const concurrency = Number(o.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new UsageError('--concurrency must be a positive integer');
  if (o.dryRun && o.verify) throw new UsageError('--dry-run and --verify are mutually exclusive');
  const xattrPatterns = o.includeXattr.map(
    (p) =>
      new RegExp(
        '^' +
          p
            .replace(/[.+^${}()|[\]\\]/g, '\\$&')
            .replace(/\*/g, '.*')
            .replace(/\?/g, '.') +
          '$',
      ),
  );
  const repo = await openFromOptions(o, ctx.io);
  const renderer = await progressRenderer(ctx, {
    json: o.json,
    quiet: o.quiet,
    verbose: o.verbose,
    label: 'restoring',
    dryRun: o.dryRun,
  });
  const ac = new AbortController();
  const onSig = (): void => ac.abort();
  process.once('SIGINT', onSig);
  let summary: RestoreSummary | undefined;
  try {
    const { snapshot: spec, path } = splitSnapshotPath(arg);
    const snap = await pickSnapshot(repo, spec, snapshotFilter(o));
    const root = await resolvePath(repo, await repo.root(snap), path);
    if (!o.json && !o.quiet)
      ctx.err(
        `restoring snapshot ${snap.shortId} of [${snap.paths.join(', ')}] at ${snap.time.toISOString()} to ${o.target}`,
      );
    try {
      summary = await restore(repo, root, {
        target: o.target!,
        filter: { include, exclude, iinclude, iexclude },
        overwrite: o.overwrite,
        delete: o.delete,
        dryRun: o.dryRun,
        verify: o.verify,
        sparse: o.sparse,
        owner: o.owner,
        xattr: xattrPatterns.length > 0 ? (n) => xattrPatterns.some((r) => r.test(n)) : undefined,
        concurrency,
        onProgress: renderer.listener,
        signal: ac.signal,
      });
    } catch (e) {
      if (e instanceof PartialFailureError) summary = e.data.summary as RestoreSummary;
      throw e;
    } finally {
      renderer.stop();
      if (summary) report(ctx, summary, o.json === true, o.quiet === true);
    }
  } finally {
    process.off('SIGINT', onSig);
    await repo.close();
  }
}

/** the closing summary (not with -q, as restic), then every refused entry */
function report(ctx: Ctx, s: RestoreSummary, json: boolean, quiet: boolean): void {
  if (json) {
    ctx.json({ message_type: 'summary', ...s });
    return;
  }
  for (const r of s.refused) ctx.err(`refused: ${r.location}: ${r.message}`);
  if (quiet) return;
  const verb = s.dryRun ? 'would restore' : 'restored';
  ctx.err(
    `${verb} ${s.filesRestored + s.filesUpdated} files (${formatSize(s.bytesFetched)} fetched), ${s.filesUnchanged} unchanged, ` +
      `${s.filesSkipped} skipped, ${s.hardlinks} hard links, ${s.specials} special, ${s.dirs} dirs` +
      (s.deleted ? `, ${s.deleted} deleted` : '') +
      (s.verified !== undefined ? `, ${s.verified} verified` : ''),
  );
}
