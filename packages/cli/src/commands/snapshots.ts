/** `salvage snapshots`: the snapshots of a repository, oldest first, filtered like restic. */

import type { Command } from 'commander';
import type { Ctx } from '../context.js';
import { addSnapshotFilterOptions } from '../global.js';

export function registerSnapshots(program: Command, ctx: Ctx): void {
  const cmd = program
    .command('snapshots')
    .description('list snapshots')
    .addHelpText(
      'after',
      '\nExample:\n  salvage -r s3:https://minio.local/backups/k8up snapshots --host db-0',
    );
  addSnapshotFilterOptions(cmd).action(async (_opts: unknown, c: Command) =>
    (await import('../actions/snapshots.js')).runSnapshots(ctx, c),
  );
}
