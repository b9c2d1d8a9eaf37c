/**
 * Velero bucket discovery: a real kopia fixture repository placed where Velero keeps it
 * (`<prefix>/kopia/<namespace>/`), beside Velero backup metadata written here in the shapes
 * Velero uses (velero-backup.json, <backup>-podvolumebackups.json.gz,
 * <backup>-volumeinfo.json.gz; spec §21.5-21.6). The metadata is hand-made (no cluster here);
 * the repository and its snapshot are the real kopia's.
 */
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { afterAll, expect, it } from 'vitest';

import { LocalStorage, openKopiaRepository } from '@salvage/repo-core';

import {
  listVeleroBackups,
  listVeleroKopiaRepositories,
  readVeleroBackup,
} from '../../packages/repo-core/src/velero/backups.js';
import { SubStorage } from '../../packages/repo-core/src/velero/sub-storage.js';
import { fixture, fixtureRepoPath, loadManifest } from '../harness/fixtures.js';
import { compareSnapshotWithManifest } from '../harness/read-compare.js';

let root = '';
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

it('maps Velero backups to kopia repositories and snapshots, and reads them', async () => {
  const f = fixture('kopia-default');
  const snap = f.snapshots[f.snapshots.length - 1]!;
  root = await mkdtemp(join(tmpdir(), 'salvage-velero-'));
  const bsl = join(root, 'bucket', 'velero');
  await cp(fixtureRepoPath(f.name), join(bsl, 'kopia', 'app'), { recursive: true });
  const dir = join(bsl, 'backups', 'nightly-1');
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'velero-backup.json'),
    JSON.stringify({
      apiVersion: 'velero.io/v1',
      kind: 'Backup',
      metadata: { name: 'nightly-1', namespace: 'velero' },
      status: {
        phase: 'Completed',
        startTimestamp: '2026-11-20T01:00:00Z',
        completionTimestamp: '2026-11-20T01:02:00Z',
      },
    }),
  );
  await writeFile(
    join(dir, 'nightly-1-podvolumebackups.json.gz'),
    gzipSync(
      JSON.stringify([
        {
          metadata: { name: 'nightly-1-abcde', annotations: { 'velero.io/pvc-name': 'data' } },
          spec: { pod: { namespace: 'app', name: 'db-0' }, volume: 'data', uploaderType: 'kopia' },
          status: { phase: 'Completed', snapshotID: snap.id, path: '/host_pods/x/volumes/y/data' },
        },
        {
          spec: { pod: { namespace: 'legacy', name: 'web' }, volume: 'v', uploaderType: 'restic' },
          status: { snapshotID: 'abcd' },
        },
      ]),
    ),
  );
  await writeFile(
    join(dir, 'nightly-1-volumeinfo.json.gz'),
    gzipSync(
      JSON.stringify([
        {
          pvcName: 'data',
          pvcNamespace: 'app',
          backupMethod: 'PodVolumeBackup',
          pvbInfo: { snapshotHandle: snap.id, uploaderType: 'kopia' },
        },
      ]),
    ),
  );

  const bucket = new SubStorage(new LocalStorage(join(root, 'bucket')), 'velero/');
  expect(await listVeleroBackups(bucket)).toEqual(['nightly-1']);
  expect(await listVeleroKopiaRepositories(bucket)).toEqual(['app']);
  const b = await readVeleroBackup(bucket, 'nightly-1');
  expect(b.phase).toBe('Completed');
  expect(b.volumes).toEqual([
    {
      backup: 'nightly-1',
      kind: 'pod-volume',
      namespace: 'app',
      pod: 'db-0',
      volume: 'data',
      pvc: 'data',
      uploaderType: 'kopia',
      snapshotId: snap.id,
      repositoryPrefix: 'kopia/app/',
      phase: 'Completed',
    },
  ]);

  const v = b.volumes[0]!;
  const repo = await openKopiaRepository(new SubStorage(bucket, v.repositoryPrefix), {
    password: 'static-passw0rd', // Velero's default repository password
  });
  const s = (await repo.snapshots()).find((x) => x.id === v.snapshotId);
  expect(s).toBeDefined();
  expect(
    await compareSnapshotWithManifest(repo, s!, loadManifest(snap.manifest), f.expectedDifferences),
  ).toEqual([]);
});
