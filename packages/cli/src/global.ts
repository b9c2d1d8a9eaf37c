/**
 * Global options, restic-compatible where they overlap: repository (-r/--repo,
 * SALVAGE_REPOSITORY, RESTIC_REPOSITORY), password (--password-file, --password-command,
 * else every one of RESTIC_PASSWORD, SALVAGE_PASSWORD, KOPIA_PASSWORD, RESTIC_PASSWORD_FILE that
 * is set, tried in turn, else a prompt on a terminal), TLS (--cacert, --insecure-tls),
 * --no-cache, --json, -v. The env is passed in.
 * Only their definitions: `--help` and parsing load this, not the library; open-repository.ts
 * acts on them when a command runs.
 */

import { Option, type Command } from 'commander';
import type { SnapshotFilter } from '@salvage/repo-core';

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
