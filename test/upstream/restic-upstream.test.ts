/**
 * Every restic-format repository in the shared fixtures (restic's and rustic's own test
 * repositories, healthy and damaged, and the generated restic 0.14 ones with manifests), read
 * through the public API. Expected results: shared/fixtures/upstream/README.md.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import type { ResticRepository } from '@salvage/repo-core';
import {
  MissingObjectError,
  openRepository,
  selectSnapshot,
  WrongPasswordError,
  type Entry,
  type Repository,
  type Snapshot,
} from '@salvage/repo-core';

import { hashStream } from '../harness/read-compare.js';
import { cleanupExtracted, extractRepo, sharedFixtures } from './extract.js';

afterAll(cleanupExtracted);

const open = (path: string, password: string) =>
  openRepository(path, { password, cacheDir: false });

interface Walked {
  path: string;
  entry: Entry;
  sha256?: string;
  size?: number;
}

async function walk(repo: Repository, snap: Snapshot, read = true): Promise<Walked[]> {
  const out: Walked[] = [];
  const visit = async (dir: Entry, prefix: Uint8Array) => {
    for await (const e of repo.list(dir)) {
      const pathBytes = prefix.length
        ? Buffer.concat([prefix, Buffer.from('/'), e.name])
        : Buffer.from(e.name);
      const w: Walked = { path: pathBytes.toString('hex'), entry: e };
      if (e.type === 'file' && read) Object.assign(w, await hashStream(repo.open(e)));
      out.push(w);
      if (e.type === 'dir') await visit(e, pathBytes);
    }
  };
  await visit(await repo.root(snap), new Uint8Array());
  return out;
}

describe('generated restic 0.14 repositories (with manifests)', () => {
  interface SharedEntry {
    path: string;
    path_hex: string;
    posix_mode: string;
    uid: number;
    gid: number;
    mtime_unix_ns: string;
    nlink: number;
    type: string;
    size?: number;
    sha256?: string;
    target_hex?: string;
    rdev_major_minor?: [number, number];
    xattrs_hex?: Record<string, string>;
  }
  for (const v of ['v1', 'v2']) {
    it(`restic-0.14-${v}: every file of both manifest snapshots matches`, async () => {
      const path = extractRepo(`generated/restic-0.14-${v}`);
      // nanosecond times exceed 2^53: keep them as strings
      const manifest = JSON.parse(
        readFileSync(
          join(sharedFixtures(), `generated/restic-0.14-${v}.manifest.json`),
          'utf8',
        ).replace(/("mtime_unix_ns":\s*)(-?\d+)/g, '$1"$2"'),
      ) as Record<string, SharedEntry[]>;
      const repo = await open(path, 'fast');
      expect(repo.info.version).toBe(v === 'v1' ? 1 : 2);
      const all = await repo.snapshots();
      expect(all.map((s) => s.hostname)).toEqual(['host-a', 'host-b', 'host-a']);
      const cases: [string, Snapshot][] = [
        [
          'snapshot_host_a_tags_alpha_beta',
          selectSnapshot(all, 'latest', { tags: ['alpha,beta'] }),
        ],
        ['snapshot_host_b_tag_beta', selectSnapshot(all, 'latest', { hosts: ['host-b'] })],
      ];
      for (const [key, snap] of cases) {
        const want = manifest[key]!;
        const got = new Map((await walk(repo, snap)).map((w) => [w.path, w]));
        expect([...got.keys()].sort()).toEqual(want.map((w) => w.path_hex).sort());
        const links = new Map<string, string[]>();
        for (const w of want) {
          const g = got.get(w.path_hex)!;
          const e = g.entry;
          const type = w.type === 'dev' ? 'blockdev' : w.type;
          expect(e.type, w.path).toBe(type);
          if (type !== 'symlink')
            expect(e.mode, w.path).toBe(parseInt(w.posix_mode.slice(2), 8) & 0o7777);
          expect([e.uid, e.gid], w.path).toEqual([w.uid, w.gid]);
          expect(e.mtimeNs, w.path).toBe(BigInt(w.mtime_unix_ns));
          if (w.sha256) {
            expect(g.sha256, w.path).toBe(w.sha256);
            expect(g.size, w.path).toBe(w.size);
            expect(e.size, w.path).toBe(w.size);
          }
          if (w.target_hex !== undefined)
            expect(Buffer.from(e.linkTarget!).toString('hex'), w.path).toBe(w.target_hex);
          if (w.rdev_major_minor)
            expect([e.device?.major, e.device?.minor], w.path).toEqual(w.rdev_major_minor);
          if (w.xattrs_hex)
            expect(
              Object.fromEntries(
                (e.xattrs ?? []).map((x) => [x.name, Buffer.from(x.value).toString('hex')]),
              ),
            ).toEqual(w.xattrs_hex);
          if (w.type === 'file' && w.nlink > 1) {
            expect(e.hardlinkKey, w.path).toBeDefined();
            links.set(e.hardlinkKey!, [...(links.get(e.hardlinkKey!) ?? []), w.path]);
          } else expect(e.hardlinkKey, w.path).toBeUndefined();
        }
        expect([...links.values()].map((l) => l.length)).toEqual([2]);
      }
      // the third snapshot holds only src/dir
      const third = selectSnapshot(all, 'latest', { paths: ['/fixture/src/dir'] });
      expect(
        (await walk(repo, third, false)).map((w) => Buffer.from(w.path, 'hex').toString()),
      ).toEqual(['src', 'src/dir', 'src/dir/nested.txt', 'src/dir/sub', 'src/dir/sub/deeper.txt']);
      await repo.close();
    });

    it(`restic-0.14-${v}: opens with every password and refuses a wrong one`, async () => {
      const path = extractRepo(`generated/restic-0.14-${v}`);
      for (const pw of ['geheim', 'second password', 'fast']) await (await open(path, pw)).close();
      await expect(open(path, 'wrong')).rejects.toBeInstanceOf(WrongPasswordError);
    });
  }

  it('multi.bin in random ranges across the blob boundary, sparse.bin without reading zero chunks', async () => {
    const path = extractRepo('generated/restic-0.14-v2');
    const repo = await open(path, 'fast');
    const snap = selectSnapshot(await repo.snapshots(), 'latest', { hosts: ['host-b'] });
    const files = new Map(
      (await walk(repo, snap, false)).map((w) => [Buffer.from(w.path, 'hex').toString(), w.entry]),
    );
    const multi = files.get('src/multi.bin')!;
    const whole = Buffer.from(await new Response(repo.open(multi)).arrayBuffer());
    expect(whole.length).toBe(2_109_497);
    const chunks = [];
    for await (const c of repo.chunks(multi)) chunks.push(c);
    expect(chunks).toHaveLength(2);
    const boundary = chunks[1]!.offset;
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let i = 0; i < 20; i++) {
      const offset = boundary - rnd(100_000);
      const length = rnd(200_000) + 1;
      const part = Buffer.from(
        await new Response(repo.open(multi, { offset, length })).arrayBuffer(),
      );
      expect(part.equals(whole.subarray(offset, offset + length))).toBe(true);
    }
    const sparse = files.get('src/sparse.bin')!;
    const sp = Buffer.from(
      await new Response(repo.open(sparse, { offset: 0, length: 1048576 })).arrayBuffer(),
    );
    expect(sp.length).toBe(1048576);
    expect(sp.every((b) => b === 0)).toBe(true);
    await repo.close();
  });
});

describe('restic upstream repositories', () => {
  it('small-repo: 4 snapshots of 2015, latest holds bar, bar2, baz', async () => {
    const repo = await open(extractRepo('upstream/restic/small-repo'), 'geheim');
    const snaps = await repo.snapshots();
    expect(snaps.map((s) => s.shortId)).toEqual(['2145b769', '6619a8ad', 'd187480a', '06c5a25c']);
    const latest = selectSnapshot(snaps, 'latest');
    const files = (await walk(repo, latest)).filter((w) => w.entry.type === 'file');
    expect(files.map((f) => [f.entry.displayName, f.size])).toEqual([
      ['bar', 4],
      ['bar2', 6],
      ['baz', 4],
    ]);
    for (const s of snaps) await walk(repo, s);
  });

  it('duplicate-packs-in-index: no snapshots, every indexed blob verifies', async () => {
    const repo = (await open(
      extractRepo('upstream/restic/duplicate-packs-in-index-test-repo'),
      'geheim',
    )) as ResticRepository;
    expect(await repo.snapshots()).toEqual([]);
    const index = await repo.index();
    const ids = new Set([...index.entries()].map((e) => e.id));
    expect(ids.size).toBe(100);
    for (const id of ids) await repo.readRaw('blob', id);
  });

  it('repo-index-missing-blob: the file whose blob is not indexed fails with MissingObjectError', async () => {
    const repo = await open(extractRepo('upstream/restic/repo-index-missing-blob'), 'geheim');
    const [snap] = await repo.snapshots();
    expect(snap!.shortId).toBe('f22c6d3a');
    const err = await walk(repo, snap!).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MissingObjectError);
    expect(String(err)).toContain(
      'f2ca1bb6c7e907d06dafe4687e579fce76b37e4e93b7605022da52e6ccc26fd2',
    );
  });

  it('repo-data-missing: reading the file names the missing pack', async () => {
    const repo = await open(extractRepo('upstream/restic/repo-data-missing'), 'geheim');
    const [snap] = await repo.snapshots();
    expect(snap!.shortId).toBe('d6f984f6');
    const err = await walk(repo, snap!).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MissingObjectError);
    expect(String(err)).toContain(
      '1959b7f2802f1d83c9eeda21f3d5c5f4ff6c4b122a59b5f5ca5e28a4970a37b4',
    );
  });

  it('repo-unused-data-missing: the snapshot itself reads completely', async () => {
    const repo = await open(extractRepo('upstream/restic/repo-unused-data-missing'), 'geheim');
    const [snap] = await repo.snapshots();
    expect(snap!.shortId).toBe('a15b8fc9');
    expect((await walk(repo, snap!)).length).toBeGreaterThan(0);
  });

  it('copy-unstable-json: the lossy symlink target is kept as stored', async () => {
    const repo = await open(extractRepo('upstream/restic/copy-unstable-json'), 'geheim');
    const [snap] = await repo.snapshots();
    expect(snap!.shortId).toBe('36455a41');
    const link = (await walk(repo, snap!)).find((w) => w.entry.displayName === 'invalid-symlink')!;
    expect(Buffer.from(link.entry.linkTarget!).toString()).toBe('../i/\ufffd\ufffd\ufffdd/samba');
  });
});

describe('rustic repositories (v2, Windows)', () => {
  it('restic-repo and rustic-repo hold the same files', async () => {
    const a = await open(extractRepo('upstream/rustic/restic-repo'), 'restic');
    const b = await open(extractRepo('upstream/rustic/rustic-repo'), 'rustic');
    const sa = await a.snapshots();
    const sb = await b.snapshots();
    expect(sa.map((s) => s.shortId)).toEqual(['9305509c', 'af05ecb6']);
    expect(sb.map((s) => s.shortId)).toEqual(['31d477a2', '86371783']);
    const wa = await walk(a, sa[0]!);
    const wb = await walk(b, sb[0]!);
    // the README's "58 / 57 entries" count restic ls's header line too
    expect(wa.length).toBe(57);
    expect((await walk(a, sa[1]!, false)).length).toBe(56);
    const files = (w: Walked[]) =>
      w
        .filter((x) => x.entry.type === 'file')
        .map((x) => `${x.path} ${x.sha256} ${x.size}`)
        .sort();
    expect(files(wb)).toEqual(files(wa));
    // rustic's nodes carry no mode: files fall back to 0644, dirs to 0755
    expect(wb.find((x) => x.entry.type === 'file')!.entry.mode).toBe(0o644);
  });
});
