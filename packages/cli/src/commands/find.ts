/** `salvage find PATTERN...`: search entries across snapshots; `--history PATH` follows one path. */

import type { Command } from 'commander';
import type { Ctx } from '../context.js';
import { collect } from '../global.js';

export function registerFind(program: Command, ctx: Ctx): void {
  program
    .command('find')
    .description('find files and directories by name pattern across snapshots')
    .argument('[patterns...]', 'glob patterns; with a "/" matched against the whole path')
    .option('-i, --ignore-case', 'ignore case in patterns')
    .option('-N, --newest <time>', 'only entries modified before this time')
    .option('-O, --oldest <time>', 'only entries modified after this time')
    .option('-s, --snapshot <id>', 'only search this snapshot (repeatable)', collect, [])
    .option('-H, --host <host>', 'only snapshots of this host (repeatable)', collect, [])
    .option('--tag <taglist>', 'only snapshots with these tags (repeatable)', collect, [])
    .option('--path <path>', 'only snapshots with this path (repeatable)', collect, [])
    .option('--history <path>', 'show one path in every snapshot (its size, mtime, content id)')
    .addHelpText(
      'after',
      '\nExamples:\n  salvage -r /srv/restic find -i "*.SQL"\n  salvage -r /srv/restic find --history /etc/hosts',
    )
    .action(async (patterns: string[], _opts: unknown, c: Command) =>
      (await import('../actions/find.js')).runFind(ctx, patterns, c),
    );
}
