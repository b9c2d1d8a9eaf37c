/**
 * What `salvage dump` does (options in commands/dump.ts): one file's bytes as they are, or the
 * given paths as an archive, to stdout or -o FILE; never an archive onto a terminal.
 */

import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import {
  dumpArchive,
  dumpFile,
  resolvePath,
  splitSnapshotPath,
  UsageError,
  type ArchiveFormat,
  type DumpRoot,
} from '@salvage/repo-core';
import type { Ctx } from '../context.js';
import { snapshotFilter, type SnapshotFilterOptions } from '../global.js';
import { openFromOptions, pickSnapshot } from '../open-repository.js';
import { progressRenderer } from '../progress.js';

export async function runDump(ctx: Ctx, arg: string, more: string[], c: Command): Promise<void> {
  const o = ctx.globals(c) as ReturnType<Ctx['globals']> &
    SnapshotFilterOptions & {
      archive?: ArchiveFormat;
      output?: string;
    };
  const repo = await openFromOptions(o, ctx.io);
  try {
    const { snapshot: spec, path } = splitSnapshotPath(arg);
    const snap = await pickSnapshot(repo, spec, snapshotFilter(o));
    const root = await repo.root(snap);
    const paths = [path, ...more];
    const entries = await Promise.all(paths.map((p) => resolvePath(repo, root, p)));
    if (!o.output && ctx.io.stdout.isTTY && (o.archive || entries[0]!.type === 'dir')) {
      throw new UsageError(
        'refusing to write an archive to a terminal: redirect stdout or use -o FILE',
      );
    }
    const out: Writable = o.output
      ? createWriteStream(o.output)
      : (ctx.io.stdout as unknown as Writable);
    if (entries.length === 1 && entries[0]!.type === 'file' && !o.archive) {
      await dumpFile(repo, entries[0]!, out);
      if (o.output) await new Promise<void>((r) => out.end(r));
      return;
    }
    const roots: DumpRoot[] = paths.map((p, i) => {
      const parts = p.split('/').filter(Boolean);
      return {
        entry: entries[i]!,
        name: Buffer.from(parts.length > 0 ? parts[parts.length - 1]! : ''),
      };
    });
    const renderer = await progressRenderer(ctx, {
      json: false,
      quiet: o.quiet || !o.output,
      label: 'dumping',
    });
    try {
      await dumpArchive(repo, roots, o.output ? out : guardStdout(out), {
        format: o.archive ?? 'tar',
        onProgress: renderer.listener,
      });
    } finally {
      renderer.stop();
    }
  } finally {
    await repo.close();
  }
}

/** stdout must not be ended by the archive writer (Node refuses to close it) */
function guardStdout(out: Writable): Writable {
  return new Proxy(out, {
    get(target, prop, receiver) {
      if (prop === 'end') {
        return (cb?: () => void) => {
          target.write('', () => cb?.());
          return receiver as Writable;
        };
      }
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
