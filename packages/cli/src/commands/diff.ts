/** `salvage diff A[:path] B[:path]`: added, removed, modified and metadata-only changes. */

import type { Command } from 'commander';
import type { Ctx } from '../context.js';

export function registerDiff(program: Command, ctx: Ctx): void {
  program
    .command('diff')
    .description('show differences between two snapshots (or directories of them)')
    .argument('<a>', 'first snapshot[:path]')
    .argument('<b>', 'second snapshot[:path]')
    .option('--no-metadata', 'do not report metadata-only changes')
    .addHelpText('after', '\nExample:\n  salvage -r /srv/restic diff 4bba301e latest')
    .action(async (a: string, b: string, _opts: unknown, c: Command) =>
      (await import('../actions/diff.js')).runDiff(ctx, a, b, c),
    );
}
