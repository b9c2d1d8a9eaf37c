/**
 * Every committed kopia fixture repository (made by the real kopia 0.22.3, test/fixtures): every
 * snapshot's every entry and file, read through the library, matches its manifest — from the
 * local directory and from a real MinIO (plain and TLS). Sharded filesystem repositories are
 * uploaded with their shard paths as keys and must still open; the flat one is read from disk.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openRepository, type Repository } from '@salvage/repo-core';

import { fixtureRepoPath, loadFixtures, loadManifest } from '../harness/fixtures.js';
import { startMinio, type MinioServer } from '../harness/minio.js';
import { compareSnapshotWithManifest } from '../harness/read-compare.js';

const KOPIA = loadFixtures().filter((f) => f.format === 'kopia');

let plain: MinioServer;
let tls: MinioServer;

beforeAll(async () => {
  [plain, tls] = await Promise.all([startMinio(), startMinio({ tls: true })]);
  for (const m of [plain, tls]) {
    await m.createBucket('fixtures');
    for (const f of KOPIA)
      await m.uploadDir('fixtures', `kopia/${f.name}/`, fixtureRepoPath(f.name));
  }
});

afterAll(async () => {
  await Promise.all([plain?.stop(), tls?.stop()]);
});

it('the catalogue has every kopia repository the reader must handle', () => {
  expect(KOPIA.map((f) => f.name).sort()).toEqual(
    [
      'kopia-chacha-blake3-zstd',
      'kopia-default',
      'kopia-ecc',
      'kopia-flat',
      'kopia-hmac128-pgzip',
      'kopia-lz4',
      'kopia-maintenance',
      'kopia-pbkdf2',
      'kopia-s2',
      'kopia-v1',
    ].sort(),
  );
});

type Where = 'local' | 'minio' | 'minio-tls';

async function openAt(where: Where, name: string, password: string): Promise<Repository> {
  if (where === 'local')
    return openRepository(fixtureRepoPath(name), { password, cacheDir: false });
  const m = where === 'minio' ? plain : tls;
  return openRepository(`s3:${m.endpoint}/fixtures/kopia/${name}`, {
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

// every repository from disk and from plain MinIO; TLS (the CA path) on one sharded and the flat one
const CASES: [Where, string][] = [
  ...KOPIA.map((f): [Where, string] => ['local', f.name]),
  ...KOPIA.map((f): [Where, string] => ['minio', f.name]),
  ['minio-tls', 'kopia-default'],
  ['minio-tls', 'kopia-flat'],
];

describe('kopia fixtures', () => {
  it.each(CASES)('from %s: %s matches its manifests', async (where, name) => {
    const f = KOPIA.find((x) => x.name === name)!;
    const repo = await openAt(where, f.name, f.password);
    try {
      const snaps = await repo.snapshots();
      // deleted snapshots (kopia-maintenance) are not listed: the catalogue holds live ones only
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
    } finally {
      await repo.close();
    }
  });
});
