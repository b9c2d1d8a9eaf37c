// restore options on real repositories (one restic and one kopia fixture): subtree, include /
// exclude, overwrite modes, dry-run, delete, verify, and resume after an abort, with storage reads
// counted through a wrapping Storage passed to openRepository.
import {
  existsSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  LocalStorage,
  openRepository,
  PartialFailureError,
  resolvePath,
  restore,
  type Repository,
  type RestoreSummary,
} from '@salvage/repo-core';
import { fixtureRepoPath, loadFixtures, loadManifest } from '../harness/fixtures.js';
import type { RepoFixture } from '../harness/types.js';
import { CountingStorage } from '../../packages/repo-core/test/storage/counting-storage.js';

const temps: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'salvage-restore-opts-'));
  temps.push(d);
  return d;
};
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

// one fixture per format; kopia joins as soon as fixtures.json lists one
const picks = ['restic', 'kopia']
  .map((format) => loadFixtures().find((f) => f.format === format))
  .filter((f): f is RepoFixture => f !== undefined);

async function open(fx: RepoFixture, storage?: CountingStorage): Promise<Repository> {
  return openRepository(storage ?? fixtureRepoPath(fx.name), {
    password: fx.password,
    cacheDir: false,
  });
}

async function lastSnapshotRoot(repo: Repository, fx: RepoFixture) {
  const id = fx.snapshots[fx.snapshots.length - 1]!.id;
  const s = (await repo.snapshots()).find((x) => x.id === id)!;
  return repo.root(s);
}

function manifestFiles(fx: RepoFixture): { path: string; size: number }[] {
  const m = loadManifest(fx.snapshots[fx.snapshots.length - 1]!.manifest);
  return m.entries
    .filter((e) => e.type === 'file' && !e.path.includes('\ufffd'))
    .map((e) => ({ path: e.path, size: e.size ?? 0 }));
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string): void => {
    for (const n of readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${n.name}` : n.name;
      if (n.isDirectory()) walk(join(d, n.name), r);
      else out.push(r);
    }
  };
  walk(dir, '');
  return out.sort();
}

for (const fx of picks) {
  describe(`restore options on ${fx.name}`, () => {
    it('restores a subtree (SNAPSHOT:path) with only its content', async () => {
      const repo = await open(fx);
      const root = await lastSnapshotRoot(repo, fx);
      const dirEntry = (await (async () => {
        for await (const e of repo.list(root)) if (e.type === 'dir') return e;
        return undefined;
      })())!;
      const sub = await resolvePath(repo, root, dirEntry.displayName);
      const t = tmp();
      await restore(repo, sub, { target: t });
      const want = manifestFiles(fx)
        .filter((f) => f.path.startsWith(dirEntry.displayName + '/'))
        .map((f) => f.path.slice(dirEntry.displayName.length + 1))
        .sort();
      expect(filesUnder(t).filter((p) => want.includes(p))).toEqual(want);
      await repo.close();
    });

    it('include and exclude select like restic', async () => {
      const repo = await open(fx);
      const root = await lastSnapshotRoot(repo, fx);
      const files = manifestFiles(fx);
      const pick = files.find((f) => f.path.includes('/')) ?? files[0]!;
      const t1 = tmp();
      await restore(repo, root, { target: t1, filter: { include: ['/' + pick.path] } }).catch(
        (e: unknown) => {
          if (!(e instanceof PartialFailureError)) throw e;
        },
      );
      expect(filesUnder(t1)).toEqual([pick.path]);
      const t2 = tmp();
      const base = pick.path.split('/').pop()!;
      await restore(repo, root, { target: t2, filter: { iexclude: [base.toUpperCase()] } }).catch(
        (e: unknown) => {
          if (!(e instanceof PartialFailureError)) throw e;
        },
      );
      expect(filesUnder(t2)).not.toContain(pick.path);
      expect(filesUnder(t2).length).toBeGreaterThan(0);
      await repo.close();
    });

    it('overwrite never / if-newer / always, dry-run, delete, verify', async () => {
      const repo = await open(fx);
      const root = await lastSnapshotRoot(repo, fx);
      const files = manifestFiles(fx).filter((f) => f.size > 0);
      const victim = files[0]!;
      const run = (opts: Partial<Parameters<typeof restore>[2]>): Promise<RestoreSummary> =>
        restore(repo, root, { target: t, ...opts }).catch((e: unknown) => {
          if (e instanceof PartialFailureError) return e.data.summary as RestoreSummary;
          throw e;
        });
      const t = tmp();
      await run({});
      const good = readFileSync(join(t, victim.path));
      writeFileSync(join(t, victim.path), 'local edit');
      writeFileSync(join(t, 'extra-file'), 'not in snapshot');
      await run({ overwrite: 'never' });
      expect(readFileSync(join(t, victim.path), 'utf8')).toBe('local edit');
      // the local edit is newer than the snapshot: if-newer keeps it
      await run({ overwrite: 'if-newer' });
      expect(readFileSync(join(t, victim.path), 'utf8')).toBe('local edit');
      const updatedFiles: string[] = [];
      const dry = await run({
        dryRun: true,
        delete: true,
        onProgress: (e) => {
          if (e.type === 'file' && e.action === 'updated' && e.entryType === 'file')
            updatedFiles.push(e.location);
        },
      });
      expect(dry.deleted).toBe(1);
      // formats that can hash local chunks (chunkMatches) report only the edited file as updated
      expect(dry.filesUpdated).toBeGreaterThanOrEqual(1);
      if (repo.chunkMatches) expect(updatedFiles).toEqual(['/' + victim.path]);
      expect(readFileSync(join(t, victim.path), 'utf8')).toBe('local edit');
      expect(existsSync(join(t, 'extra-file'))).toBe(true);
      const s = await run({ delete: true, verify: true });
      expect(readFileSync(join(t, victim.path)).equals(good)).toBe(true);
      expect(existsSync(join(t, 'extra-file'))).toBe(false);
      expect(s.filesUpdated).toBeGreaterThanOrEqual(1);
      expect(s.verified).toBeGreaterThanOrEqual(1);
      if (repo.chunkMatches) expect(s.verified).toBe(1);
      await repo.close();
    });

    it('resumes after an abort without re-reading complete files', async () => {
      const full = new CountingStorage(new LocalStorage(fixtureRepoPath(fx.name)));
      let repo = await open(fx, full);
      let root = await lastSnapshotRoot(repo, fx);
      const before = full.count;
      await restore(repo, root, { target: tmp() }).catch(() => undefined);
      const fullReads = full.count - before;
      await repo.close();

      const t = tmp();
      const counting = new CountingStorage(new LocalStorage(fixtureRepoPath(fx.name)));
      repo = await open(fx, counting);
      root = await lastSnapshotRoot(repo, fx);
      // killed midway: as soon as the first file with content is complete (a small repository
      // read in pack order needs only a couple of content reads: stopping at half of the reads
      // can come before any file is complete)
      const ac = new AbortController();
      await expect(
        restore(repo, root, {
          target: t,
          signal: ac.signal,
          concurrency: 1,
          countFirst: false,
          onProgress: (e) => {
            if (
              e.type === 'file' &&
              e.action === 'restored' &&
              e.entryType === 'file' &&
              e.size > 0
            )
              ac.abort();
          },
        }),
      ).rejects.toThrow();
      const sizes = new Map(manifestFiles(fx).map((f) => [f.path, f.size]));
      const complete = filesUnder(t).filter((p) => {
        const st = lstatSync(join(t, p));
        return !p.includes('.salvage-') && st.isFile() && st.size === sizes.get(p);
      });
      expect(complete.length).toBeGreaterThan(0);
      expect(complete.length, 'the abort left some files to do').toBeLessThan(sizes.size);

      const opened: string[] = [];
      const spy = new Proxy(repo, {
        get(target, prop, receiver) {
          if (prop === 'open') {
            return (f: Parameters<Repository['open']>[0], ...rest: unknown[]) => {
              opened.push(f.displayName);
              return (target.open as (...a: unknown[]) => ReturnType<Repository['open']>).call(
                target,
                f,
                ...rest,
              );
            };
          }
          const v = Reflect.get(target, prop, receiver) as unknown;
          // methods run on the real object (private fields do not work through a proxy)
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      });
      await restore(spy, root, { target: t }).catch((e: unknown) => {
        if (!(e instanceof PartialFailureError)) throw e;
      });
      const completeNames = new Set(
        complete.filter((p) => (sizes.get(p) ?? 0) > 0).map((p) => p.split('/').pop()!),
      );
      expect(opened.filter((n) => completeNames.has(n))).toEqual([]);

      // a third run over a complete target fetches no file content at all
      opened.length = 0;
      const r3 = counting.count;
      await restore(spy, root, { target: t }).catch((e: unknown) => {
        if (!(e instanceof PartialFailureError)) throw e;
      });
      expect(opened).toEqual([]);
      expect(counting.count - r3).toBeLessThan(fullReads);
      await repo.close();
    });
  });
}
