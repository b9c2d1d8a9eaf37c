/** `salvage restore SNAPSHOT[:path] --target DIR`: restore with restic's options and semantics. */

import { Option, type Command } from 'commander';
import type { Ctx } from '../context.js';
import { addSnapshotFilterOptions, collect } from '../global.js';

export function registerRestore(program: Command, ctx: Ctx): void {
  const cmd = program
    .command('restore')
    .description(
      'restore a snapshot, or a directory of it (SNAPSHOT:path), into a target directory',
    )
    .argument('<snapshot>', 'snapshot id, prefix or latest, optionally with :path')
    .requiredOption('-t, --target <dir>', 'directory to restore into')
    .option('-i, --include <pattern>', 'restore only what matches (repeatable)', collect, [])
    .option('-e, --exclude <pattern>', 'skip what matches (repeatable)', collect, [])
    .option('--iinclude <pattern>', 'like --include, ignoring case', collect, [])
    .option('--iexclude <pattern>', 'like --exclude, ignoring case', collect, [])
    .option('--include-file <file>', 'read include patterns from a file', collect, [])
    .option('--exclude-file <file>', 'read exclude patterns from a file', collect, [])
    .option(
      '--iinclude-file <file>',
      'read case-insensitive include patterns from a file',
      collect,
      [],
    )
    .option(
      '--iexclude-file <file>',
      'read case-insensitive exclude patterns from a file',
      collect,
      [],
    )
    .addOption(
      new Option('--overwrite <mode>', 'when an entry exists')
        .choices(['always', 'if-changed', 'if-newer', 'never'])
        .default('always'),
    )
    .option('--delete', 'delete files in the target that the snapshot does not have')
    .option('--dry-run', 'only show what would be done')
    .option('--verify', 'read restored files back and check them')
    .option('--sparse', 'write zero blocks as holes')
    .addOption(
      new Option(
        '--owner <mode>',
        'restore owners by numeric id or by name (default: id when root)',
      ).choices(['id', 'name', 'none']),
    )
    .option('--include-xattr <pattern>', 'xattr names to restore (default user.*)', collect, [])
    .option('--concurrency <n>', 'files restored at once', '32')
    .addHelpText(
      'after',
      '\nExamples:\n  salvage -r s3:https://minio.local/velero/restic/ns1 restore latest:/data/pvc --target /tmp/pvc\n  salvage -r /srv/restic restore 4bba301e --target /tmp/r --include "*.sql" --verify',
    );
  addSnapshotFilterOptions(cmd).action(async (arg: string, _opts: unknown, c: Command) =>
    (await import('../actions/restore.js')).runRestore(ctx, arg, c),
  );
}
