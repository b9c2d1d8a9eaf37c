/** `salvage ls SNAPSHOT[:path]`: browse a snapshot, optionally recursive and in long format. */

import { Option, type Command } from 'commander';
import type { Ctx } from '../context.js';
import { addSnapshotFilterOptions } from '../global.js';

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
  addSnapshotFilterOptions(cmd).action(async (arg: string, _opts: unknown, c: Command) =>
    (await import('../actions/ls.js')).runLs(ctx, arg, c),
  );
}
