/**
 * Entry point of the `salvage` binary: builds the command tree and maps errors to exit codes.
 * Start-up is paid by every command, so only commander and the option definitions load here;
 * each command's action (actions/*.ts) and the library load when that command runs.
 */
import { Command, CommanderError } from 'commander';
import { makeCtx } from './context.js';
import { EXIT, exitCodeByKind, exitCodeHelp } from './exit-codes.js';
import { addGlobalOptions, type Io } from './global.js';
import { registerCat } from './commands/cat.js';
import { registerDiff } from './commands/diff.js';
import { registerDump } from './commands/dump.js';
import { registerFind } from './commands/find.js';
import { registerLs } from './commands/ls.js';
import { registerRestore } from './commands/restore.js';
import { registerSnapshots } from './commands/snapshots.js';
import { registerStats } from './commands/stats.js';

export async function main(
  argv: string[],
  io: Io = { env: process.env, stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  const ctx = makeCtx(io);
  const program = new Command('salvage')
    .description(
      'Read restic and kopia backup repositories: list, browse, find, restore, dump. Read-only.',
    )
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .addHelpText(
      'after',
      `\nExample:\n  RESTIC_PASSWORD_FILE=pw salvage -r s3:https://minio.local/backups/k8up snapshots\n${exitCodeHelp}`,
    );
  addGlobalOptions(program);
  for (const reg of [
    registerSnapshots,
    registerLs,
    registerFind,
    registerCat,
    registerDump,
    registerRestore,
    registerDiff,
    registerStats,
  ]) {
    reg(program, ctx);
  }
  for (const c of program.commands) c.exitOverride();
  const json = argv.includes('--json');
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (
        e.code === 'commander.helpDisplayed' ||
        e.code === 'commander.version' ||
        e.code === 'commander.help'
      )
        return EXIT.ok;
      return EXIT.usage;
    }
    // errors come from actions, which have loaded the library: this import costs nothing then
    const { isSalvageError } = await import('@salvage/repo-core');
    if (isSalvageError(e)) {
      if (json)
        io.stderr.write(
          JSON.stringify({
            message_type: 'exit_error',
            code: exitCodeByKind[e.kind],
            error: e.toJSON(),
          }) + '\n',
        );
      else io.stderr.write(`salvage: ${e.message}\n`);
      return exitCodeByKind[e.kind];
    }
    const err = e as NodeJS.ErrnoException;
    if (err?.name === 'AbortError') {
      io.stderr.write('salvage: interrupted\n');
      return 130;
    }
    if (json)
      io.stderr.write(
        JSON.stringify({
          message_type: 'exit_error',
          code: EXIT.error,
          error: { message: String(err?.message ?? e) },
        }) + '\n',
      );
    else io.stderr.write(`salvage: ${err?.stack ?? String(e)}\n`);
    return EXIT.error;
  }
}
