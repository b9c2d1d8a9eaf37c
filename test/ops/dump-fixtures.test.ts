// dump of every fixture's last snapshot as tar (extracted with the system tar, compared with the
// manifest: content, type, mode, owner, ns mtime, link targets, hard links) and as zip (extracted
// with unzip: content, types and link targets; zip keeps no owners and 2-second times).
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dumpArchive, openRepository, type ArchiveFormat } from '@salvage/repo-core';
import { compareTree, explainDifferences } from '../harness/compare-tree.js';
import { fixtureRepoPath, loadFixtures, loadManifest } from '../harness/fixtures.js';

const temps: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'salvage-dump-fx-'));
  temps.push(d);
  return d;
};
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

for (const fx of loadFixtures()) {
  const snap = fx.snapshots[fx.snapshots.length - 1]!;
  describe(`dump ${fx.name}`, () => {
    it.each(['tar', 'tar.gz', 'zip'] as ArchiveFormat[])(
      '%s extracts to the manifest',
      async (format) => {
        const repo = await openRepository(fixtureRepoPath(fx.name), {
          password: fx.password,
          cacheDir: false,
        });
        try {
          const s = (await repo.snapshots()).find((x) => x.id === snap.id)!;
          const dir = tmp();
          const file = join(dir, `dump.${format}`);
          await dumpArchive(
            repo,
            [{ entry: await repo.root(s), name: Buffer.alloc(0) }],
            createWriteStream(file),
            { format },
          );
          const x = join(dir, 'x');
          mkdirSync(x);
          if (format === 'zip') execFileSync('unzip', ['-q', file, '-d', x]);
          else
            execFileSync('tar', ['-x', '--numeric-owner', '-f', file, '-C', x], {
              stdio: ['ignore', 'ignore', 'pipe'],
            });
          const manifest = loadManifest(snap.manifest);
          let diffs = await compareTree(x, manifest);
          if (format === 'zip') {
            // zip stores no owners, fifos, devices or hard links and keeps 2-second times
            diffs = diffs.filter(
              (d) =>
                !['mode', 'uid', 'gid', 'mtime', 'hardlink', 'sparse'].includes(d.field) &&
                !(
                  d.field === 'missing' &&
                  ['fifo', 'chardev', 'blockdev', 'socket'].includes(d.entryType)
                ),
            );
          }
          const allowed = [...fx.expectedDifferences, 'no-root-metadata'];
          // zip names are UTF-8: bytes that are not become U+FFFD, as in kopia
          if (format === 'zip' && !allowed.includes('non-utf8-names-replaced'))
            allowed.push('non-utf8-names-replaced');
          expect(explainDifferences(diffs, allowed, manifest).unexpected).toEqual([]);
        } finally {
          await repo.close();
        }
      },
    );
  });
}
