/**
 * Drives the real restic and kopia against a repository for interop tests: check, list and
 * restore. They write locks, caches and logs into the repository, so point them at a copy
 * (copyFixtureToTemp), never at test/fixtures itself. kopia runs with a private config file.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MinioServer } from './minio.js';
import { runTool } from './tools.js';

const resticEnv = (password: string) => ({
  RESTIC_PASSWORD: password,
  RESTIC_PROGRESS_FPS: '0.01',
});

/** `restic check --read-data` (throws with restic's output on any error) */
export async function resticCheck(repo: string, password: string): Promise<string> {
  const { stdout } = await runTool('restic', ['--no-cache', '-r', repo, 'check', '--read-data'], {
    env: resticEnv(password),
  });
  return stdout;
}

/** `restic restore <id> --target <target> --sparse` */
export async function resticRestore(
  repo: string,
  password: string,
  id: string,
  target: string,
): Promise<void> {
  await runTool(
    'restic',
    ['--no-cache', '-r', repo, 'restore', id, '--target', target, '--sparse', '-q'],
    {
      env: resticEnv(password),
    },
  );
}

/** snapshot ids, oldest first */
export async function resticSnapshotIds(repo: string, password: string): Promise<string[]> {
  const { stdout } = await runTool('restic', ['--no-cache', '-r', repo, 'snapshots', '--json'], {
    env: resticEnv(password),
  });
  const list = JSON.parse(stdout) as Array<{ id: string; time: string }>;
  return list.sort((a, b) => a.time.localeCompare(b.time)).map((s) => s.id);
}

export interface KopiaSession {
  /** runs `kopia <args>` with this session's config; resolves to stdout */
  run(args: string[]): Promise<string>;
}

export type KopiaLocation =
  | { path: string }
  | { minio: MinioServer; bucket: string; prefix?: string };

/** Connects a throw-away kopia config to the repository, runs `fn`, disconnects and cleans up. */
export async function withKopia<T>(
  location: KopiaLocation,
  password: string,
  fn: (kopia: KopiaSession) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'salvage-kopia-'));
  const session: KopiaSession = {
    run: async (args) =>
      (
        await runTool(
          'kopia',
          [
            ...args,
            `--config-file=${join(dir, 'repository.config')}`,
            `--log-dir=${join(dir, 'logs')}`,
          ],
          {
            env: {
              KOPIA_PASSWORD: password,
              KOPIA_CHECK_FOR_UPDATES: 'false',
              KOPIA_PERSIST_CREDENTIALS_ON_CONNECT: 'false',
            },
          },
        )
      ).stdout,
  };
  try {
    const common = [
      `--cache-directory=${join(dir, 'cache')}`,
      '--override-hostname=salvage-tests',
      '--override-username=tests',
    ];
    if ('path' in location) {
      await session.run([
        'repository',
        'connect',
        'filesystem',
        `--path=${location.path}`,
        ...common,
      ]);
    } else {
      const { minio, bucket, prefix } = location;
      if (!minio.endpoint.startsWith('http://'))
        throw new Error('withKopia: only plain-HTTP MinIO is wired up');
      await session.run([
        'repository',
        'connect',
        's3',
        `--bucket=${bucket}`,
        `--endpoint=${new URL(minio.endpoint).host}`,
        '--disable-tls',
        `--region=${minio.region}`,
        `--access-key=${minio.accessKey}`,
        `--secret-access-key=${minio.secretKey}`,
        ...(prefix ? [`--prefix=${prefix}`] : []),
        ...common,
      ]);
    }
    return await fn(session);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `kopia snapshot verify --verify-files-percent=100` over every snapshot */
export function kopiaVerify(kopia: KopiaSession): Promise<string> {
  return kopia.run(['snapshot', 'verify', '--verify-files-percent=100']);
}

/** live snapshot ids, oldest first */
export async function kopiaSnapshotIds(kopia: KopiaSession): Promise<string[]> {
  const list = JSON.parse(await kopia.run(['snapshot', 'list', '--all', '--json'])) as Array<{
    id: string;
    startTime: string;
  }>;
  return list.sort((a, b) => a.startTime.localeCompare(b.startTime)).map((s) => s.id);
}

/** `kopia snapshot restore <id> <target> --write-sparse-files` */
export async function kopiaRestore(kopia: KopiaSession, id: string, target: string): Promise<void> {
  await kopia.run(['snapshot', 'restore', id, target, '--write-sparse-files', '--no-progress']);
}
