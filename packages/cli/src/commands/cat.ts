/** `salvage cat KIND [ID]`: a raw repository object (config, index, snapshot, blob, ...). */

import type { Command } from 'commander';
import type { Ctx } from '../context.js';

export function registerCat(program: Command, ctx: Ctx): void {
  program
    .command('cat')
    .description('print a raw repository object; `cat --list` names the kinds this repository has')
    .argument('[kind]', 'object kind, e.g. config, snapshot, index, key, blob, tree')
    .argument('[id]', 'object id for kinds that need one')
    .option('--list', 'list the object kinds')
    .addHelpText('after', '\nExample:\n  salvage -r /srv/restic cat config')
    .action(async (kind: string | undefined, id: string | undefined, _opts: unknown, c: Command) =>
      (await import('../actions/cat.js')).runCat(ctx, kind, id, c),
    );
}
