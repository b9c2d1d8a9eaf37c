/**
 * `salvage dump SNAPSHOT:path [more paths]`: a file's bytes, or directories as tar, tar.gz or zip,
 * to stdout or a file (-o). A progress bar shows on a terminal when writing to a file.
 */

import { Option, type Command } from 'commander';
import type { Ctx } from '../context.js';
import { addSnapshotFilterOptions } from '../global.js';

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
    async (arg: string, more: string[], _opts: unknown, c: Command) =>
      (await import('../actions/dump.js')).runDump(ctx, arg, more, c),
  );
}
