/**
 * Every committed restic fixture repository (made by the real restic, test/fixtures): every
 * snapshot's every entry and file, read through the library, matches its manifest (sha256, size,
 * type, mode, mtime, link target, hard links) — from the local directory and from a real MinIO,
 * plain and TLS with the generated CA.
 */
import { describe, expect, it } from 'vitest';

import {
  resolvePath,
  LocalStorage,
  openRepository,
  type ContentChunk,
  type Entry,
  type ResticRepository,
} from '@salvage/repo-core';

import { CountingStorage } from '../../packages/repo-core/test/storage/counting-storage.js';

import { fixtureRepoPath, loadFixtures, loadManifest } from '../harness/fixtures.js';
import { serveFixtures, type Where } from '../harness/fixture-buckets.js';
import { compareSnapshotWithManifest } from '../harness/read-compare.js';

/** SHA-256 of 512 KiB of zeros (restic spec §14) */
const ZERO_CHUNK = '07854d2fef297a06ba81685e660c332de36d5d18d546927d30daad6d7fda1541';

const RESTIC = loadFixtures().filter((f) => f.format === 'restic');
// Every repository from disk and plain MinIO; over TLS one repository per format version (each
// S3 fixture pass costs ~2,000 requests, and TLS changes only the transport).
const TLS_SET = new Set(['restic-v1', 'restic-v2-auto']);

const { openAt } = serveFixtures(RESTIC);

it('the catalogue has the four restic repositories', () => {
  expect(RESTIC.map((f) => f.name).sort()).toEqual([
    'restic-v1',
    'restic-v2-auto',
    'restic-v2-max',
    'restic-v2-off',
  ]);
});

const cases: [Where, string, (typeof RESTIC)[number]][] = [];
for (const where of ['local', 'minio', 'minio-tls'] as const)
  for (const f of RESTIC)
    if (where !== 'minio-tls' || TLS_SET.has(f.name)) cases.push([where, f.name, f]);

describe('restic fixtures', () => {
  it.each(cases)('from %s: %s matches its manifests', async (where, _n, f) => {
    const repo = await openAt(where, f);
    const snaps = await repo.snapshots();
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
    await repo.close();
  });
});

it.each(RESTIC.map((f) => [f.name, f] as const))(
  '%s: 1 MiB from the middle of data/random.bin reads only the packs holding it',
  async (_n, f) => {
    const counting = new CountingStorage(new LocalStorage(fixtureRepoPath(f.name)));
    const repo = await openRepository(counting, { password: f.password, cacheDir: false });
    const snaps = await repo.snapshots();
    const snap = snaps[snaps.length - 1]!;
    let data: Entry | undefined;
    for await (const e of repo.list(await repo.root(snap))) if (e.displayName === 'data') data = e;
    let random: Entry | undefined;
    for await (const e of repo.list(data!)) if (e.displayName === 'random.bin') random = e;
    const chunks: ContentChunk[] = [];
    for await (const c of repo.chunks(random!)) chunks.push(c);
    const offset = Math.floor(random!.size / 2) - 512 * 1024;
    const length = 1024 * 1024;
    const covering = chunks.filter(
      (c) => c.offset + c.length > offset && c.offset < offset + length,
    );
    // the reference bytes come from another repository object: this one would reuse the blobs
    // it just decoded (util/recent.ts) and read nothing for the range
    const other = await openRepository(fixtureRepoPath(f.name), {
      password: f.password,
      cacheDir: false,
    });
    const otherSnap = (await other.snapshots()).find((x) => x.id === snap.id)!;
    const otherRandom = await resolvePath(other, await other.root(otherSnap), '/data/random.bin');
    const whole = new Uint8Array(await new Response(other.open(otherRandom)).arrayBuffer());
    await other.close();
    counting.reset();
    const part = new Uint8Array(
      await new Response(repo.open(random!, { offset, length })).arrayBuffer(),
    );
    expect(Buffer.compare(part, whole.subarray(offset, offset + length))).toBe(0);
    // only the packs holding covering blobs, and inside each only the span from the first to
    // the last covering blob (neighbours less than 1 MiB apart are fetched in one request)
    const index = await (repo as ResticRepository).index();
    const spans = new Map<string, [number, number]>();
    for (const c of covering) {
      const loc = index.lookup('data', c.id)[0]!;
      const name = `data/${loc.packId.slice(0, 2)}/${loc.packId}`;
      const [a, b] = spans.get(name) ?? [Infinity, 0];
      spans.set(name, [Math.min(a, loc.offset), Math.max(b, loc.offset + loc.length)]);
    }
    expect(new Set(counting.reads.map((r) => r.name))).toEqual(new Set(spans.keys()));
    for (const r of counting.reads) {
      const [a, b] = spans.get(r.name)!;
      expect(r.offset).toBeGreaterThanOrEqual(a);
      expect(r.offset + r.length).toBeLessThanOrEqual(b);
    }
    expect(counting.reads.length).toBeLessThanOrEqual(covering.length);
    await repo.close();
  },
);

it('sparse.img: zero chunks are produced without reading storage', async () => {
  const f = RESTIC.find((r) => r.name === 'restic-v2-auto')!;
  const counting = new CountingStorage(new LocalStorage(fixtureRepoPath(f.name)));
  const repo = await openRepository(counting, { password: f.password, cacheDir: false });
  const [snap] = await repo.snapshots();
  let data: Entry | undefined;
  for await (const e of repo.list(await repo.root(snap!))) if (e.displayName === 'data') data = e;
  let sparse: Entry | undefined;
  for await (const e of repo.list(data!)) if (e.displayName === 'sparse.img') sparse = e;
  // the first run of zero chunks (holes are stored as 512 KiB zero chunks, spec §15.2)
  const zeros: ContentChunk[] = [];
  for await (const c of repo.chunks(sparse!)) {
    if (c.id === ZERO_CHUNK) zeros.push(c);
    else if (zeros.length > 0) break;
  }
  expect(zeros.length).toBeGreaterThan(1);
  counting.reset();
  const offset = zeros[0]!.offset;
  const length = zeros.reduce((n, c) => n + c.length, 0);
  const got = new Uint8Array(
    await new Response(repo.open(sparse!, { offset, length })).arrayBuffer(),
  );
  expect(got.length).toBe(length);
  expect(got.every((b) => b === 0)).toBe(true);
  expect(counting.reads).toEqual([]);
  expect(repo.chunkMatches?.(zeros[0]!, got.subarray(0, zeros[0]!.length))).toBe(true);
  await repo.close();
});
