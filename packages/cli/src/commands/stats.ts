/** `salvage stats [SNAPSHOT...]`: restore size, raw stored size, or unique contents. */

import { Option, type Command } from 'commander';
import type { Ctx } from '../context.js';
import { addSnapshotFilterOptions } from '../global.js';

export function registerStats(program: Command, ctx: Ctx): void {
  const cmd = program
    .command('stats')
    .description('sizes of snapshots: what a restore writes, what storage holds, unique contents')
    .argument('[snapshots...]', 'snapshot ids (default: all matching the filters)')
    .addOption(
      new Option('--mode <mode>', 'what to count')
        .choices(['restore-size', 'raw-data', 'files-by-contents'])
        .default('restore-size'),
    )
    .addHelpText('after', '\nExample:\n  salvage -r /srv/restic stats --mode raw-data latest');
  addSnapshotFilterOptions(cmd).action(async (ids: string[], _opts: unknown, c: Command) =>
    (await import('../actions/stats.js')).runStats(ctx, ids, c),
  );
}
