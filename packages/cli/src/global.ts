/**
 * Global options, restic-compatible where they overlap: repository (-r/--repo,
 * SALVAGE_REPOSITORY, RESTIC_REPOSITORY), password (--password-file, --password-command,
 * RESTIC_PASSWORD, RESTIC_PASSWORD_FILE, KOPIA_PASSWORD, SALVAGE_PASSWORD, else a prompt on a
 * terminal), TLS (--cacert, --insecure-tls), --no-cache, --json, -v. The env is passed in.
 */

import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { Option, type Command } from 'commander';
import {
  openRepository,
  selectSnapshot,
  UsageError,
  type Repository,
  type Snapshot,
  type SnapshotFilter,
} from '@salvage/repo-core';

export interface GlobalOptions {
  repo?: string;
  passwordFile?: string;
  passwordCommand?: string;
  cacert?: string;
  insecureTls?: boolean;
  json?: boolean;
  cache?: boolean;
  cacheDir?: string;
  verbose?: number;
  quiet?: boolean;
}

export interface Io {
  env: Record<string, string | undefined>;
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

export function addGlobalOptions(program: Command): void {
  program
    .option(
      '-r, --repo <location>',
      'repository: a path, local:PATH or s3:https://host/bucket/prefix (env SALVAGE_REPOSITORY, RESTIC_REPOSITORY)',
    )
    .option('--password-file <file>', 'read the password from a file (env RESTIC_PASSWORD_FILE)')
    .option(
      '--password-command <command>',
      'run a shell command and use its output as the password',
    )
    .option('--cacert <file>', 'PEM file of CA certificates to trust for S3 TLS')
    .option('--insecure-tls', 'skip TLS certificate verification (tests only)')
    .option('--json', 'machine-readable output (NDJSON for streams)')
    .option('--no-cache', 'do not use the local metadata cache')
    .option('--cache-dir <dir>', 'local cache directory')
    .addOption(
      new Option('-v, --verbose', 'more output (repeatable)').argParser(
        (_v: string, prev: number | undefined) => (prev ?? 0) + 1,
      ),
    )
    .option('-q, --quiet', 'no progress output');
}

export function addSnapshotFilterOptions(cmd: Command): Command {
  return cmd
    .option(
      '-H, --host <host>',
      'only consider snapshots of this host for latest (repeatable)',
      collect,
      [],
    )
    .option(
      '--tag <taglist>',
      'only consider snapshots with these tags for latest (repeatable)',
      collect,
      [],
    )
    .option(
      '--path <path>',
      'only consider snapshots with this path for latest (repeatable)',
      collect,
      [],
    );
}

export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** what addSnapshotFilterOptions adds to a command's options */
export interface SnapshotFilterOptions {
  host: string[];
  tag: string[];
  path: string[];
}

export function snapshotFilter(o: Partial<SnapshotFilterOptions>): SnapshotFilter | undefined {
  const f: SnapshotFilter = {};
  if (o.host?.length) f.hosts = o.host;
  if (o.tag?.length) f.tags = o.tag;
  if (o.path?.length) f.paths = o.path;
  return Object.keys(f).length > 0 ? f : undefined;
}

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

export async function resolvePassword(o: GlobalOptions, io: Io): Promise<string> {
  if (o.passwordFile) return stripNewline(await readText(o.passwordFile));
  if (o.passwordCommand) return stripNewline(await runCommand(o.passwordCommand, io.env));
  const env = io.env;
  if (env.RESTIC_PASSWORD !== undefined) return env.RESTIC_PASSWORD;
  if (env.SALVAGE_PASSWORD !== undefined) return env.SALVAGE_PASSWORD;
  if (env.KOPIA_PASSWORD !== undefined) return env.KOPIA_PASSWORD;
  if (env.RESTIC_PASSWORD_FILE) return stripNewline(await readText(env.RESTIC_PASSWORD_FILE));
  if (process.stdin.isTTY && io.stderr.isTTY) return prompt(io);
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
  const password = await resolvePassword(o, io);
  return openRepository(location, {
    password,
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
