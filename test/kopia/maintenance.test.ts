/**
 * kopia-maintenance (snapshots with full maintenance runs between them, a batch of deleted
 * snapshots, advanced epochs, compactions and range checkpoints): deleted snapshots are not
 * listed though their manifests are still stored, and the live index set chosen by the epoch
 * rules equals the one the real kopia reports (`kopia index list`, on a temp copy).
 */
import { join } from 'node:path';

import { afterAll, expect, it } from 'vitest';

import { gunzipBounded } from '../../packages/repo-core/src/kopia/compression.js';
import { parseManifestBatch } from '../../packages/repo-core/src/kopia/manifest.js';
import { copyFixtureToTemp, fixture, fixtureRepoPath } from '../harness/fixtures.js';
import { runTool } from '../harness/tools.js';
import { openFixtureDir, removeTemp } from './helpers.js';

const NAME = 'kopia-maintenance';
const temps: string[] = [];
afterAll(async () => {
  for (const t of temps) await removeTemp(t);
});

it('does not list deleted snapshots', async () => {
  const f = fixture(NAME);
  const repo = await openFixtureDir(fixtureRepoPath(NAME), NAME);
  const live = (await repo.snapshots()).map((s) => s.id);
  expect(live).toEqual(f.snapshots.map((s) => s.id));

  // every snapshot manifest still stored (deleted `m` contents newer than the watermark too)
  const tombstones = new Set<string>();
  const everSnapshot = new Set<string>();
  for (const info of repo.contents.index.withPrefix('m', true)) {
    const raw = await repo.contents.get(info.contentId);
    for (const e of parseManifestBatch(await gunzipBounded(raw, 1 << 26), info.contentId)) {
      if (e.deleted) tombstones.add(e.id);
      else if (e.labels['type'] === 'snapshot') everSnapshot.add(e.id);
    }
  }
  const deleted = [...everSnapshot].filter((id) => tombstones.has(id));
  expect(deleted.length).toBeGreaterThan(0);
  for (const id of deleted) expect(live).not.toContain(id);
  await repo.close();
});

// epoch manager (compactions, range checkpoint, watermark) and the legacy n/m rules (format v1)
it.each([NAME, 'kopia-v1'])('%s: selects the same live index blobs as kopia', async (name) => {
  const temp = await copyFixtureToTemp(name);
  temps.push(temp);
  const repo = await openFixtureDir(temp, name);
  const ours = [...repo.indexBlobs].sort();
  await repo.close();
  // a range checkpoint replaces the epochs it covers
  if (name === NAME) expect(ours.some((b) => b.startsWith('xr'))).toBe(true);

  const config = join(temp, '..', 'kopia.config');
  const env = { KOPIA_PASSWORD: fixture(name).password, KOPIA_CHECK_FOR_UPDATES: 'false' };
  await runTool(
    'kopia',
    [
      'repository',
      'connect',
      'filesystem',
      '--path',
      temp,
      '--config-file',
      config,
      '--readonly',
      '--cache-directory',
      join(temp, '..', 'cache'),
    ],
    { env },
  );
  const { stdout } = await runTool('kopia', ['index', 'list', '--config-file', config], { env });
  const theirs = stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((id) => id.startsWith('x') || id.startsWith('n'))
    .sort();
  expect(theirs.length).toBeGreaterThan(0);
  expect(ours).toEqual(theirs);
});
