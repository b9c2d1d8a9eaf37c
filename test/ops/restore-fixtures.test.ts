// Salvage's restore of every fixture snapshot, compared with its manifest (compare-tree) and with
// what the real tool's own restore produces from the same repository. Formats come from
// fixtures.json: restic and kopia repositories run through the same, format-agnostic ops.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openRepository, restore } from '@salvage/repo-core';
import { diffEntries, explainDifferences, compareTree } from '../harness/compare-tree.js';
import { fixtureRepoPath, loadFixtures, loadManifest } from '../harness/fixtures.js';
import { scanTree } from '../harness/scan-tree.js';
import { realToolRestore, stopRealToolServers } from './real-tools.js';

const temps: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'salvage-fx-restore-'));
  temps.push(d);
  return d;
};
afterAll(async () => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
  await stopRealToolServers();
});

const fixtures = loadFixtures();

describe('fixture catalogue', () => {
  it('has restic and kopia repositories', () => {
    expect(fixtures.some((f) => f.format === 'restic')).toBe(true);
    expect(fixtures.some((f) => f.format === 'kopia')).toBe(true);
  });
});

fixtures.forEach((fx, fxIndex) => {
  // small files are written by the native batch writer, a JS worker thread or the main thread,
  // in turn, so each writer's result is compared with the manifest and the real tool
  const writer = (['native', 'worker', 'main thread'] as const)[fxIndex % 3]!;
  const writeOptions =
    writer === 'native' ? {} : { nativeWrites: false, writeThreads: writer === 'worker' ? 1 : 0 };
  describe(`restore ${fx.name} (small files by the ${writer} writer)`, () => {
    for (const snap of fx.snapshots) {
      it(`${snap.label}: matches the manifest and ${fx.format}'s own restore`, async () => {
        const manifest = loadManifest(snap.manifest);
        const repoPath = fixtureRepoPath(fx.name);
        const repo = await openRepository(repoPath, { password: fx.password, cacheDir: false });
        try {
          const s = (await repo.snapshots()).find((x) => x.id === snap.id);
          expect(s, `snapshot ${snap.id}`).toBeDefined();
          const ours = join(tmp(), 'ours');
          await restore(repo, await repo.root(s!), {
            target: ours,
            sparse: true,
            ...writeOptions,
          });
          const diffs = await compareTree(ours, manifest, { sparse: true });
          const explained = explainDifferences(diffs, fx.expectedDifferences, manifest);
          expect(explained.unexpected).toEqual([]);

          const theirs = join(tmp(), 'theirs');
          await realToolRestore(fx, repoPath, snap.id, theirs);
          const [a, b] = await Promise.all([scanTree(ours), scanTree(theirs)]);
          const vsTool = diffEntries(a, b).filter((d) => d.field !== 'sparse');
          const allowed = [...fx.expectedDifferences, ...(fx.toolRestoreDifferences ?? [])];
          expect(explainDifferences(vsTool, allowed, manifest).unexpected).toEqual([]);
        } finally {
          await repo.close();
        }
      });
    }
  });
});
