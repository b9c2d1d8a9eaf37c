/**
 * Restores a fixture snapshot with the real tool that wrote the repository (restic restore or
 * kopia snapshot restore), for side-by-side comparison with Salvage's restore.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTool } from '../harness/tools.js';
import type { RepoFixture } from '../harness/types.js';

export async function realToolRestore(
  fx: RepoFixture,
  repoPath: string,
  snapshotId: string,
  target: string,
  opts: { sparse?: boolean } = {},
): Promise<void> {
  if (fx.format === 'restic') {
    await runTool(
      'restic',
      [
        '-r',
        repoPath,
        '--no-cache',
        'restore',
        snapshotId,
        '--target',
        target,
        ...(opts.sparse ? ['--sparse'] : []),
      ],
      {
        env: { RESTIC_PASSWORD: fx.password },
      },
    );
    return;
  }
  const cfgDir = await mkdtemp(join(tmpdir(), 'salvage-kopia-cfg-'));
  const env = { KOPIA_PASSWORD: fx.password, KOPIA_CHECK_FOR_UPDATES: 'false' };
  const common = [
    '--config-file',
    join(cfgDir, 'repo.config'),
    '--cache-directory',
    join(cfgDir, 'cache'),
    '--log-dir',
    join(cfgDir, 'logs'),
  ];
  await runTool(
    'kopia',
    ['repository', 'connect', 'filesystem', '--path', repoPath, '--readonly', ...common],
    { env },
  );
  await runTool(
    'kopia',
    [
      'snapshot',
      'restore',
      snapshotId,
      target,
      ...(opts.sparse ? ['--write-sparse-files'] : []),
      ...common,
    ],
    { env },
  );
}
