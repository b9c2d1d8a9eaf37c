/**
 * `salvage dump SNAPSHOT:path [more paths]`: a file's bytes, or directories as tar, tar.gz or zip,
 * to stdout or a file (-o). A progress bar shows on a terminal when writing to a file.
 */

import { createWriteStream } from 'node:fs';
import { Option, type Command } from 'commander';
import {
  dumpArchive,
  dumpFile,
  resolvePath,
  splitSnapshotPath,
  UsageError,
  type ArchiveFormat,
  type DumpRoot,
} from '@salvage/repo-core';
import type { Writable } from 'node:stream';
import type { Ctx } from '../context.js';
import {
  addSnapshotFilterOptions,
  type SnapshotFilterOptions,
  openFromOptions,
  pickSnapshot,
  snapshotFilter,
} from '../global.js';
import { progressRenderer } from '../progress.js';

export function registerDump(program: Command, ctx: Ctx): void {
  const cmd = program
    .command('dump')
    .description('write a file to stdout, or directories as an archive (tar by default)')
    .argument('<snapshot>', 'snapshot id, prefix or latest, with :path of a file or directory')
    .argument('[more...]', 'more paths inside the same snapshot for the archive')
    .addOption(
      new Option('-a, --archive <format>', 'archive format for directories').choices([
        'tar',
        'tar.gz',
        'zip',
      ]),
    )
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .addHelpText(
      'after',
      '\nExamples:\n  salvage -r /srv/restic dump latest:/etc/hosts\n  salvage -r /srv/restic dump -a tar.gz latest:/var/lib/pgsql > pgsql.tar.gz',
    );
  addSnapshotFilterOptions(cmd).action(
    async (arg: string, more: string[], _opts: unknown, c: Command) => {
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
        const renderer = progressRenderer(ctx, {
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
    },
  );
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
