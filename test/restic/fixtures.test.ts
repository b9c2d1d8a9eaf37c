/**
 * Every committed restic fixture repository (made by the real restic, test/fixtures): every
 * snapshot's every entry and file, read through the library, matches its manifest (sha256, size,
 * type, mode, mtime, link target, hard links) — from the local directory and from a real MinIO,
 * plain and TLS with the generated CA.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openRepository, type Repository } from '@salvage/repo-core';

import { fixtureRepoPath, loadFixtures, loadManifest } from '../harness/fixtures.js';
import { startMinio, type MinioServer } from '../harness/minio.js';
import { compareSnapshotWithManifest } from '../harness/read-compare.js';

const RESTIC = loadFixtures().filter((f) => f.format === 'restic');

let plain: MinioServer;
let tls: MinioServer;

beforeAll(async () => {
  [plain, tls] = await Promise.all([startMinio(), startMinio({ tls: true })]);
  for (const m of [plain, tls]) {
    await m.createBucket('fixtures');
    for (const f of RESTIC)
      await m.uploadDir('fixtures', `restic/${f.name}/`, fixtureRepoPath(f.name));
  }
});

afterAll(async () => {
  await Promise.all([plain?.stop(), tls?.stop()]);
});

it('the catalogue has the four restic repositories', () => {
  expect(RESTIC.map((f) => f.name).sort()).toEqual([
    'restic-v1',
    'restic-v2-auto',
    'restic-v2-max',
    'restic-v2-off',
  ]);
});

type Where = 'local' | 'minio' | 'minio-tls';

async function openAt(where: Where, name: string, password: string): Promise<Repository> {
  if (where === 'local')
    return openRepository(fixtureRepoPath(name), { password, cacheDir: false });
  const m = where === 'minio' ? plain : tls;
  return openRepository(`s3:${m.endpoint}/fixtures/restic/${name}`, {
    password,
    cacheDir: false,
    s3: {
      accessKeyId: m.accessKey,
      secretAccessKey: m.secretKey,
      region: m.region,
      ...(m.caFile ? { caFile: m.caFile } : {}),
    },
  });
}

describe.each<Where>(['local', 'minio', 'minio-tls'])('restic fixtures from %s', (where) => {
  it.each(RESTIC.map((f) => [f.name, f] as const))('%s matches its manifests', async (_n, f) => {
    const repo = await openAt(where, f.name, f.password);
    const snaps = await repo.snapshots();
    expect(snaps.map((s) => s.id)).toEqual(f.snapshots.map((s) => s.id));
    for (const [i, s] of f.snapshots.entries()) {
      const diffs = await compareSnapshotWithManifest(
        repo,
        snaps[i]!,
        loadManifest(s.manifest),
        f.expectedDifferences,
      );
      expect(diffs, `${f.name} ${s.label}`).toEqual([]);
    }
    await repo.close();
  });
});
