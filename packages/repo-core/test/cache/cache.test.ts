/**
 * The local cache: index/snapshot files and tree blobs are served from disk on the second open
 * (hit), a corrupt entry is detected by its hash/MAC, dropped and read again from storage, and
 * `cacheDir: false` writes nothing. The repository itself is never written.
 */
import { readdir, readFile, rm, writeFile, mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, expect, it } from 'vitest';

import { defaultCacheDir, LocalStorage, openRepository, type Repository } from '../../src/index.js';
import { CountingStorage } from '../storage/counting-storage.js';
import { readSnapshotEntries } from '../../../../test/harness/read-compare.js';
import { cleanupMade, madeRepoCopy, PASSWORD } from '../restic/make-repo.js';

let repoPath: string;
let cacheBase: string;

beforeAll(async () => {
  repoPath = await madeRepoCopy();
  cacheBase = await mkdtemp(join(tmpdir(), 'salvage-cache-'));
});

afterAll(async () => {
  await cleanupMade();
  await rm(cacheBase, { recursive: true, force: true });
});

async function walkWith(cacheDir: string | false) {
  const counting = new CountingStorage(new LocalStorage(repoPath));
  const repo: Repository = await openRepository(counting, { password: PASSWORD, cacheDir });
  const [snap] = await repo.snapshots();
  const entries = await readSnapshotEntries(repo, snap!);
  return { counting, entries, repo };
}

async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  const visit = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      if (e.isDirectory()) await visit(join(d, e.name));
      else out.push(join(d, e.name));
    }
  };
  await visit(dir);
  return out.sort();
}

it('defaults to $XDG_CACHE_HOME/salvage, else ~/.cache/salvage', () => {
  expect(defaultCacheDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/salvage');
  expect(defaultCacheDir({})).toMatch(/\.cache\/salvage$/);
});

it('second open reads index, snapshots and trees from the cache', async () => {
  const repoFilesBefore = await files(repoPath);
  const first = await walkWith(cacheBase);
  const cached = await files(cacheBase);
  expect(cached.some((f) => f.includes('/index/'))).toBe(true);
  expect(cached.some((f) => f.includes('/snapshots/'))).toBe(true);
  expect(cached.some((f) => f.includes('/blobs/tree/'))).toBe(true);
  expect(cached.every((f) => !f.includes('.tmp-'))).toBe(true);

  const second = await walkWith(cacheBase);
  expect(second.entries).toEqual(first.entries);
  const metaReads = (c: CountingStorage) =>
    c.reads.filter((r) => r.name.startsWith('index/') || r.name.startsWith('snapshots/')).length;
  expect(metaReads(first.counting)).toBeGreaterThan(0);
  expect(metaReads(second.counting)).toBe(0);
  // tree blobs no longer come from packs: fewer pack reads than the first walk
  const packReads = (c: CountingStorage) =>
    c.reads.filter((r) => r.name.startsWith('data/')).length;
  expect(packReads(second.counting)).toBeLessThan(packReads(first.counting));
  expect(await files(repoPath)).toEqual(repoFilesBefore); // read-only
});

it('a corrupt cache entry is dropped and read again from storage', async () => {
  await walkWith(cacheBase);
  const cached = await files(cacheBase);
  const index = cached.find((f) => f.includes('/index/'))!;
  const tree = cached.find((f) => f.includes('/blobs/tree/'))!;
  for (const f of [index, tree]) {
    const b = await readFile(f);
    b[b.length - 1]! ^= 0xff;
    await writeFile(f, b);
  }
  const again = await walkWith(cacheBase);
  expect(again.counting.reads.some((r) => r.name.startsWith('index/'))).toBe(true);
  // rewritten with good content
  const good = await walkWith(cacheBase);
  expect(good.counting.reads.some((r) => r.name.startsWith('index/'))).toBe(false);
  expect((await stat(index)).size).toBeGreaterThan(0);
});

it('cacheDir: false writes no cache', async () => {
  const base = await mkdtemp(join(tmpdir(), 'salvage-nocache-'));
  const prev = process.env.XDG_CACHE_HOME;
  process.env.XDG_CACHE_HOME = base;
  try {
    const r = await walkWith(false);
    expect(r.entries.length).toBeGreaterThan(0);
    expect(await files(base)).toEqual([]);
  } finally {
    if (prev === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = prev;
    await rm(base, { recursive: true, force: true });
  }
});
