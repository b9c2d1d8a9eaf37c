// restore from a damaged repository (a copy of a real-tool fixture with one byte flipped in its
// largest pack): the restore ends with PartialFailureError, every error is an integrity error
// naming the pack, every file at its final name is exactly the snapshot's (by SHA-256 against the
// manifest), the damaged files are absent rather than written as if good, and no temporary file is
// left behind. Large files come in pieces here (batch-read.ts), so this covers a pieced file that
// fails after some of its pieces were written.
import { createHash } from 'node:crypto';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  openRepository,
  PartialFailureError,
  restore,
  type RestoreSummary,
} from '@salvage/repo-core';
import {
  copyFixtureToTemp,
  damageLargestFile,
  loadFixtures,
  loadManifest,
} from '../harness/fixtures.js';

const temps: string[] = [];
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

/** regular files under `root`, '/'-joined, as UTF-8 text (names that are not UTF-8 show U+FFFD) */
function regularFiles(root: string, rel: Buffer = Buffer.alloc(0)): string[] {
  const out: string[] = [];
  const dir = rel.length ? Buffer.concat([Buffer.from(root + '/'), rel]) : Buffer.from(root);
  for (const name of readdirSync(dir, { encoding: 'buffer' })) {
    const p = rel.length ? Buffer.concat([rel, Buffer.from('/'), name]) : name;
    const st = lstatSync(Buffer.concat([Buffer.from(root + '/'), p]));
    if (st.isDirectory()) out.push(...regularFiles(root, p));
    else if (st.isFile()) out.push(p.toString());
  }
  return out;
}

describe('restore from a damaged repository', () => {
  for (const format of ['restic', 'kopia'] as const) {
    const fx = loadFixtures().find((f) => f.format === format)!;
    it(`${fx.name}: damaged files are reported and absent, the rest exact, no temp left`, async () => {
      const copy = await copyFixtureToTemp(fx.name);
      temps.push(dirname(copy));
      const pack = damageLargestFile(copy);
      const packName = pack.split('/').pop()!.replace(/\.f$/, '');

      const target = mkdtempSync(join(tmpdir(), 'salvage-restore-damage-'));
      temps.push(target);
      const repo = await openRepository(copy, { password: fx.password, cacheDir: false });
      let summary: RestoreSummary | undefined;
      try {
        const snap = fx.snapshots.at(-1)!;
        const s = (await repo.snapshots()).find((x) => x.id === snap.id)!;
        await expect(
          restore(repo, await repo.root(s), { target }).catch((e: unknown) => {
            if (e instanceof PartialFailureError)
              summary = (e.data as { summary: RestoreSummary }).summary;
            throw e;
          }),
        ).rejects.toBeInstanceOf(PartialFailureError);
      } finally {
        await repo.close();
      }
      expect(summary!.errors.length).toBeGreaterThan(0);
      for (const e of summary!.errors) {
        expect(e.code).toBe('SALVAGE_INTEGRITY');
        expect(e.message).toContain(packName.slice(0, 16));
      }
      const failed = new Set(summary!.errors.map((e) => e.location.replace(/^\//, '')));

      const manifest = loadManifest(fx.snapshots.at(-1)!.manifest);
      const want = new Map(
        manifest.entries.filter((e) => e.type === 'file').map((e) => [e.path, e.sha256]),
      );
      const present = regularFiles(target);
      expect(present.filter((p) => p.split('/').pop()!.startsWith('.salvage-'))).toEqual([]);
      for (const p of present) {
        expect(failed.has(p), `${p} failed but is present`).toBe(false);
        if (p.includes('\ufffd')) continue; // not UTF-8: the manifest keys it by its hex bytes
        const sha = createHash('sha256')
          .update(readFileSync(join(target, p)))
          .digest('hex');
        expect(sha, p).toBe(want.get(p));
      }
      // everything not reported as failed is there
      for (const p of want.keys())
        if (!failed.has(p) && !p.includes('\ufffd')) expect(present, p).toContain(p);
    });
  }
});
