/**
 * Acting on the global options when a command runs: the password from its sources (a file, a
 * command, the env, else a prompt on a terminal), the repository opened, a snapshot picked.
 * Apart from global.ts so that `--help` and option parsing never load the library.
 */

import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import {
  openRepository,
  selectSnapshot,
  UsageError,
  type Repository,
  type Snapshot,
  type SnapshotFilter,
} from '@salvage/repo-core';
import type { GlobalOptions, Io } from './global.js';

function runCommand(cmd: string, env: Record<string, string | undefined>): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      '/bin/sh',
      ['-c', cmd],
      { env: env as NodeJS.ProcessEnv, maxBuffer: 1 << 20 },
      (err, stdout) => {
        if (err)
          reject(new UsageError(`--password-command failed: ${err.message}`, {}, { cause: err }));
        else resolve(stdout);
      },
    );
  });
}

async function prompt(io: Io): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: io.stderr, terminal: true });
  const out = io.stderr;
  out.write('enter password for repository: ');
  // mute echo: readline writes keystrokes through _writeToOutput
  (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => undefined;
  const pw = await new Promise<string>((resolve) => rl.question('', resolve));
  rl.close();
  out.write('\n');
  return pw;
}

function stripNewline(s: string): string {
  return s.replace(/\r?\n$/, '');
}

/**
 * The passwords to try, in order: the one --password-file or --password-command gives, else
 * every one the env holds (RESTIC_PASSWORD, SALVAGE_PASSWORD, KOPIA_PASSWORD, then the file
 * RESTIC_PASSWORD_FILE names; duplicates once), so a shell set up for both K8up's restic and
 * Velero's kopia opens either kind of repository; else a prompt on a terminal.
 */
export async function resolvePasswords(o: GlobalOptions, io: Io): Promise<string[]> {
  if (o.passwordFile) return [stripNewline(await readText(o.passwordFile))];
  if (o.passwordCommand) return [stripNewline(await runCommand(o.passwordCommand, io.env))];
  const env = io.env;
  const found: string[] = [];
  for (const v of [env.RESTIC_PASSWORD, env.SALVAGE_PASSWORD, env.KOPIA_PASSWORD])
    if (v !== undefined) found.push(v);
  if (env.RESTIC_PASSWORD_FILE) found.push(stripNewline(await readText(env.RESTIC_PASSWORD_FILE)));
  if (found.length > 0) return [...new Set(found)];
  if (process.stdin.isTTY && io.stderr.isTTY) return [await prompt(io)];
  throw new UsageError(
    'no password given: use --password-file, --password-command, RESTIC_PASSWORD or KOPIA_PASSWORD',
  );
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (cause) {
    throw new UsageError(`cannot read password file ${file}`, { file }, { cause });
  }
}

export async function openFromOptions(o: GlobalOptions, io: Io): Promise<Repository> {
  const location = o.repo ?? io.env.SALVAGE_REPOSITORY ?? io.env.RESTIC_REPOSITORY;
  if (!location) throw new UsageError('no repository given: use -r/--repo or RESTIC_REPOSITORY');
  return openRepository(location, {
    password: await resolvePasswords(o, io),
    cacheDir: o.cache === false ? false : o.cacheDir,
    s3: { caFile: o.cacert, insecureTls: o.insecureTls, env: io.env },
  });
}

/** `ID[:path]` → the snapshot and the path inside it */
export async function pickSnapshot(
  repo: Repository,
  spec: string,
  filter?: SnapshotFilter,
): Promise<Snapshot> {
  return selectSnapshot(await repo.snapshots(), spec, filter);
}
