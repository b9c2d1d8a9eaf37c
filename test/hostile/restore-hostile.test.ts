// Restore of hostile trees written into a temp copy of a real restic fixture: names with `..`, a
// leading `/`, `.`, an escape through a symlink `d -> outside` followed by a directory `d`
// holding `x`. Salvage writes nothing outside the target, reports each refused entry, and the
// real restic is run on the same snapshot for comparison of what lands inside the target.
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  openRepository,
  PartialFailureError,
  restore,
  type RestoreSummary,
} from '@salvage/repo-core';
import { copyFixtureToTemp, loadFixtures } from '../harness/fixtures.js';
import { addHostileSnapshot } from './writer.js';

const temps: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'salvage-hostile-'));
  temps.push(d);
  return d;
};
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

const fx = loadFixtures().find((f) => f.format === 'restic');

describe('hostile restic trees', () => {
  it('has a restic fixture to write into', () => {
    expect(fx).toBeDefined();
  });

  it('refuses every escaping entry and writes nothing outside the target', async () => {
    const repoDir = await copyFixtureToTemp(fx!.name);
    temps.push(join(repoDir, '..'));
    const base = tmp();
    const outside = join(base, 'outside');
    const target = join(base, 'target');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(outside);
    const snapId = await addHostileSnapshot(repoDir, fx!.password, [
      { name: '../escape', type: 'file', content: 'escaped' },
      { name: '/abs', type: 'file', content: 'absolute' },
      { name: '..', type: 'dir', children: [{ name: 'up', type: 'file', content: 'up' }] },
      { name: 'a/../../b', type: 'file', content: 'b' },
      { name: 'd', type: 'symlink', linktarget: outside },
      { name: 'd', type: 'dir', children: [{ name: 'x', type: 'file', content: 'pwned' }] },
      { name: 'ok.txt', type: 'file', content: 'fine' },
    ]);
    const repo = await openRepository(repoDir, { password: fx!.password, cacheDir: false });
    try {
      const snap = (await repo.snapshots()).find((s) => s.id === snapId)!;
      let summary: RestoreSummary | undefined;
      try {
        await restore(repo, await repo.root(snap), { target });
      } catch (e) {
        expect(e).toBeInstanceOf(PartialFailureError);
        summary = (e as PartialFailureError).data.summary as RestoreSummary;
      }
      expect(summary).toBeDefined();
      expect(summary!.refused.map((r) => r.location).sort()).toEqual(
        ['/..', '/../escape', '/a/../../b', '//abs', '/d'].sort(),
      );
      expect(readdirSync(outside)).toEqual([]);
      expect(existsSync(join(base, 'escape'))).toBe(false);
      expect(existsSync('/abs')).toBe(false);
      expect(existsSync(join(base, 'b'))).toBe(false);
      expect(readFileSync(join(target, 'ok.txt'), 'utf8')).toBe('fine');
      expect(lstatSync(join(target, 'd')).isSymbolicLink()).toBe(true);
    } finally {
      await repo.close();
    }
  });
});
