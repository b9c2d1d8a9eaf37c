/**
 * Every committed fixture repository is sound by the real tools' own standards (restic check
 * --read-data, kopia snapshot verify of every file), lists exactly the catalogue's snapshots, and
 * the real tool's restore of each snapshot matches its manifest modulo exactly the repository's
 * expected differences (format gaps plus the tool's own restore quirks), each of which must occur.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareTree, explainDifferences } from '../harness/compare-tree.js';
import {
  copyFixtureToTemp,
  fixturesRoot,
  loadFixtures,
  loadManifest,
} from '../harness/fixtures.js';
import { startMinio, type MinioServer } from '../harness/minio.js';
import {
  kopiaRestore,
  kopiaSnapshotIds,
  kopiaVerify,
  resticCheck,
  resticRestore,
  resticSnapshotIds,
  withKopia,
  type KopiaLocation,
} from '../harness/real-tools.js';
import type { RepoFixture } from '../harness/types.js';

/** the repository names other tests rely on */
const CONTRACT = [
  'restic-v1',
  'restic-v2-auto',
  'restic-v2-max',
  'restic-v2-off',
  'kopia-default',
  'kopia-chacha-blake3-zstd',
  'kopia-hmac128-pgzip',
  'kopia-s2',
  'kopia-ecc',
  'kopia-v1',
  'kopia-pbkdf2',
  'kopia-lz4',
  'kopia-maintenance',
  'kopia-flat',
];

describe('fixture catalogue', () => {
  it('lists every contracted repository with its manifests present', () => {
    const fixtures = loadFixtures();
    expect(fixtures.map((f) => f.name)).toEqual(CONTRACT);
    for (const f of fixtures) {
      expect(existsSync(join(fixturesRoot, 'repos', f.name)), f.name).toBe(true);
      expect(f.snapshots.length, f.name).toBeGreaterThan(0);
      for (const s of f.snapshots)
        expect(loadManifest(s.manifest).entries.length).toBeGreaterThan(1900);
    }
  });
});

async function restoreAndCompare(
  fixture: RepoFixture,
  restore: (id: string, target: string) => Promise<void>,
): Promise<void> {
  for (const snapshot of fixture.snapshots) {
    const manifest = loadManifest(snapshot.manifest);
    const base = await mkdtemp(join(tmpdir(), `salvage-restore-${fixture.name}-`));
    try {
      const target = join(base, 'restored');
      await restore(snapshot.id, target);
      const differences = await compareTree(target, manifest, { sparse: true });
      const rules = [...fixture.expectedDifferences, ...fixture.toolRestoreDifferences];
      const { unexpected, unused } = explainDifferences(differences, rules, manifest);
      expect(unexpected, `${fixture.name} ${snapshot.label}: unexplained differences`).toEqual([]);
      expect(
        unused,
        `${fixture.name} ${snapshot.label}: expected differences that did not occur`,
      ).toEqual([]);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  }
}

const fixtures = loadFixtures();

describe.each(fixtures.filter((f) => f.format === 'restic'))('$name (real restic)', (fixture) => {
  let repo: string;
  beforeAll(async () => {
    repo = await copyFixtureToTemp(fixture.name);
  });
  afterAll(async () => {
    if (repo) await rm(dirname(repo), { recursive: true, force: true });
  });

  it('passes restic check --read-data', async () => {
    expect(await resticCheck(repo, fixture.password)).toMatch(/no errors were found/);
  });

  it('holds exactly the catalogue snapshots', async () => {
    expect(await resticSnapshotIds(repo, fixture.password)).toEqual(
      fixture.snapshots.map((s) => s.id),
    );
  });

  it('restores every snapshot as its manifest, modulo the expected differences', async () => {
    await restoreAndCompare(fixture, (id, target) =>
      resticRestore(repo, fixture.password, id, target),
    );
  });
});

describe.each(fixtures.filter((f) => f.format === 'kopia'))('$name (real kopia)', (fixture) => {
  let location: KopiaLocation;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    const repo = await copyFixtureToTemp(fixture.name);
    if (fixture.name === 'kopia-flat') {
      // flat S3 object names: serve them from MinIO, as they came
      const minio: MinioServer = await startMinio();
      await minio.createBucket('flat');
      await minio.uploadDir('flat', '', repo);
      location = { minio, bucket: 'flat' };
      cleanup = async () => {
        await minio.stop();
        await rm(dirname(repo), { recursive: true, force: true });
      };
    } else {
      location = { path: repo };
      cleanup = () => rm(dirname(repo), { recursive: true, force: true });
    }
  });
  afterAll(async () => {
    await cleanup?.();
  });

  it('passes kopia snapshot verify --verify-files-percent=100 and lists exactly the catalogue snapshots', async () => {
    await withKopia(location, fixture.password, async (kopia) => {
      await kopiaVerify(kopia);
      expect(await kopiaSnapshotIds(kopia)).toEqual(fixture.snapshots.map((s) => s.id));
    });
  });

  it('restores every snapshot as its manifest, modulo the expected differences', async () => {
    await withKopia(location, fixture.password, (kopia) =>
      restoreAndCompare(fixture, (id, target) => kopiaRestore(kopia, id, target)),
    );
  });
});
