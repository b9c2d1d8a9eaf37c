/**
 * Every committed kopia fixture repository (made by the real kopia 0.22.3, test/fixtures): every
 * snapshot's every entry and file, read through the library, matches its manifest — from the
 * local directory and from a real MinIO (plain and TLS). Sharded filesystem repositories are
 * uploaded with their shard paths as keys and must still open; the flat one is read from disk.
 */
import { describe, expect, it } from 'vitest';

import { loadFixtures, loadManifest } from '../harness/fixtures.js';
import { serveFixtures, type Where } from '../harness/fixture-buckets.js';
import { compareSnapshotWithManifest } from '../harness/read-compare.js';

const KOPIA = loadFixtures().filter((f) => f.format === 'kopia');

const { openAt } = serveFixtures(KOPIA);

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
    const repo = await openAt(where, f);
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
