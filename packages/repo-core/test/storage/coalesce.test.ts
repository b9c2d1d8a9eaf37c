/**
 * CoalescingStorage: concurrent nearby ranged reads of one object become one inner read, each
 * caller gets exactly its bytes (as its own copy), errors reach every waiter, whole-object and
 * large ranged reads pass through (identical large reads in flight share one fetch). Unit tests
 * on an in-memory storage, then the same through a real MinIO.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startMinio, type MinioServer } from '../../../../test/harness/minio.js';
import { IntegrityError, MissingObjectError, StorageError } from '../../src/errors.js';
import { parseLocation } from '../../src/storage/location.js';
import { CoalescingStorage } from '../../src/storage/coalesce.js';
import { S3Storage } from '../../src/storage/s3.js';
import type { ObjectInfo, ReadRange, Storage } from '../../src/storage/storage.js';
import { CountingStorage } from './counting-storage.js';

/** objects in memory; `failWith` makes every read of that name throw */
class MemStorage implements Storage {
  readonly location = 'mem:';
  readonly failWith = new Map<string, Error>();
  constructor(readonly objects: Map<string, Uint8Array>) {}
  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    for (const [name, b] of this.objects)
      if (name.startsWith(prefix)) yield { name, size: b.length };
  }
  async read(name: string, range?: ReadRange): Promise<Uint8Array> {
    await new Promise((r) => setTimeout(r, 1));
    const fail = this.failWith.get(name);
    if (fail) throw fail;
    const b = this.objects.get(name);
    if (!b) throw new MissingObjectError(name, { name });
    if (!range) return new Uint8Array(b);
    if (range.offset + range.length > b.length) throw new IntegrityError(`${name} is short`);
    return new Uint8Array(b.subarray(range.offset, range.offset + range.length));
  }
  async stat(name: string): Promise<ObjectInfo | undefined> {
    const b = this.objects.get(name);
    return b && { name, size: b.length };
  }
  async close(): Promise<void> {}
}

const KiB = 1024;
const A = randomBytes(4096 * KiB);
const B = randomBytes(64 * KiB);

function setup(opts: ConstructorParameters<typeof CoalescingStorage>[1] = {}) {
  const mem = new MemStorage(
    new Map([
      ['data/a', A],
      ['data/b', B],
    ]),
  );
  const counting = new CountingStorage(mem);
  return { mem, counting, st: new CoalescingStorage(counting, opts) };
}

const slice = (b: Uint8Array, r: ReadRange) => b.subarray(r.offset, r.offset + r.length);

describe('CoalescingStorage', () => {
  it('serves concurrent nearby ranges of one object with one read, exact bytes each', async () => {
    const { counting, st } = setup();
    const ranges: ReadRange[] = [];
    for (let i = 0; i < 40; i++) ranges.push({ offset: i * 20 * KiB + 7, length: 10 * KiB + i });
    ranges.reverse(); // arrival order does not matter
    const got = await Promise.all(ranges.map((r) => st.read('data/a', r)));
    got.forEach((g, i) => expect(Buffer.from(g).equals(slice(A, ranges[i]!))).toBe(true));
    expect(counting.reads).toHaveLength(1);
    expect(counting.reads[0]).toMatchObject({ name: 'data/a', offset: 7 });
    expect(st.stats).toEqual({ requested: 40, issued: 1 });
    // every caller owns its bytes: no view into the merged span
    for (const g of got) expect(g.buffer.byteLength).toBe(g.length);
  });

  it('handles overlapping and duplicate ranges', async () => {
    const { counting, st } = setup();
    const ranges = [
      { offset: 100, length: 1000 },
      { offset: 100, length: 1000 },
      { offset: 500, length: 50 },
      { offset: 0, length: 2000 },
    ];
    const got = await Promise.all(ranges.map((r) => st.read('data/b', r)));
    got.forEach((g, i) => expect(Buffer.from(g).equals(slice(B, ranges[i]!))).toBe(true));
    expect(counting.reads).toEqual([{ name: 'data/b', offset: 0, length: 2000, ranged: true }]);
  });

  it('splits on gaps larger than maxGap and spans larger than maxSpan', async () => {
    const { counting, st } = setup({ maxGap: 64 * KiB, maxSpan: 1024 * KiB });
    const ranges = [
      { offset: 0, length: 4 * KiB },
      { offset: 60 * KiB, length: 4 * KiB }, // gap 56 KiB: joins
      { offset: 200 * KiB, length: 4 * KiB }, // gap 136 KiB: new group
      { offset: 250 * KiB, length: 4 * KiB },
      { offset: 1100 * KiB, length: 4 * KiB }, // gap 846 KiB: new group
      { offset: 1150 * KiB, length: 4 * KiB },
      { offset: 1200 * KiB, length: 1000 * KiB }, // would make the span > 1 MiB: new group
    ];
    const got = await Promise.all(ranges.map((r) => st.read('data/a', r)));
    got.forEach((g, i) => expect(Buffer.from(g).equals(slice(A, ranges[i]!))).toBe(true));
    expect(
      counting.reads.map((r) => [r.offset / KiB, r.length / KiB]).sort((x, y) => x[0]! - y[0]!),
    ).toEqual([
      [0, 64],
      [200, 54],
      [1100, 54],
      [1200, 1000],
    ]);
  });

  it('never merges different objects, nor reads that do not overlap in time', async () => {
    const { counting, st } = setup();
    await Promise.all([
      st.read('data/a', { offset: 0, length: 10 }),
      st.read('data/b', { offset: 0, length: 10 }),
    ]);
    expect(counting.reads).toHaveLength(2);
    counting.reset();
    for (let i = 0; i < 3; i++) await st.read('data/a', { offset: i * 10, length: 10 });
    expect(counting.reads).toHaveLength(3);
  });

  it('passes whole-object and empty reads straight through', async () => {
    const { counting, st } = setup();
    const [whole, part, empty] = await Promise.all([
      st.read('data/b'),
      st.read('data/b', { offset: 10, length: 10 }),
      st.read('data/b', { offset: 5, length: 0 }),
    ]);
    expect(Buffer.from(whole).equals(B)).toBe(true);
    expect(Buffer.from(part).equals(B.subarray(10, 20))).toBe(true);
    expect(empty.length).toBe(0);
    expect(counting.reads).toHaveLength(3);
    expect(st.stats).toEqual({ requested: 1, issued: 1 });
  });

  it('sends large ranged reads at once, unmerged and uncopied', async () => {
    const { counting, st } = setup({ windowMs: 10_000, passThrough: 1024 * KiB });
    const big = { offset: 0, length: 1024 * KiB };
    const t0 = Date.now();
    const [whole, next] = await Promise.all([
      st.read('data/a', big),
      st.read('data/a', { offset: 1024 * KiB, length: 2048 * KiB }),
    ]);
    expect(Date.now() - t0).toBeLessThan(5_000); // not held for the 10 s window
    expect(Buffer.from(whole).equals(slice(A, big))).toBe(true);
    expect(next.length).toBe(2048 * KiB);
    expect(counting.reads).toHaveLength(2);
    expect(st.stats).toEqual({ requested: 2, issued: 2 });
  });

  it('a large read identical to one in flight shares its fetch, each caller its own copy', async () => {
    const { counting, st } = setup();
    const r = { offset: 512 * KiB, length: 2048 * KiB };
    const got = await Promise.all([
      st.read('data/a', r),
      st.read('data/a', r),
      st.read('data/a', r),
    ]);
    for (const g of got) expect(Buffer.from(g).equals(slice(A, r))).toBe(true);
    expect(new Set(got.map((g) => g.buffer)).size).toBe(3);
    expect(counting.reads).toHaveLength(1);
    expect(st.stats).toEqual({ requested: 3, issued: 1 });
    // once it is done, the same range is fetched again; a failure reaches every caller
    await st.read('data/a', r);
    expect(counting.reads).toHaveLength(2);
    const missing = await Promise.allSettled([st.read('data/zz', r), st.read('data/zz', r)]);
    for (const m of missing)
      expect((m as PromiseRejectedResult).reason).toBeInstanceOf(MissingObjectError);
  });

  it('rejects every waiter of a failed merged read', async () => {
    const { mem, st } = setup();
    mem.failWith.set('data/a', new StorageError('connection reset'));
    const rs = await Promise.allSettled(
      [0, 100, 200].map((o) => st.read('data/a', { offset: o, length: 50 })),
    );
    for (const r of rs) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(StorageError);
    }
    const missing = await Promise.allSettled(
      [0, 100].map((o) => st.read('data/zz', { offset: o, length: 50 })),
    );
    for (const r of missing)
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(MissingObjectError);
  });

  it('a range past the end fails alone: its neighbours still get their bytes', async () => {
    const { counting, st } = setup();
    const [ok, short] = await Promise.allSettled([
      st.read('data/b', { offset: 60 * KiB, length: 1000 }),
      st.read('data/b', { offset: 63 * KiB, length: 2 * KiB }),
    ]);
    expect(ok.status).toBe('fulfilled');
    const bytes = (ok as PromiseFulfilledResult<Uint8Array>).value;
    expect(Buffer.from(bytes).equals(B.subarray(60 * KiB, 60 * KiB + 1000))).toBe(true);
    expect((short as PromiseRejectedResult).reason).toBeInstanceOf(IntegrityError);
    expect(counting.reads).toHaveLength(1); // the failed span is not counted, the retry is
  });

  it('close() sends what is waiting before closing the inner storage', async () => {
    const { counting, st } = setup({ windowMs: 10_000 });
    const p = st.read('data/a', { offset: 0, length: 5 });
    await st.close();
    expect(Buffer.from(await p).equals(A.subarray(0, 5))).toBe(true);
    expect(counting.reads).toHaveLength(1);
  });
});

describe('CoalescingStorage over MinIO', () => {
  let dir: string;
  let minio: MinioServer;
  const PACK = randomBytes(3 * 1024 * KiB);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'salvage-coalesce-'));
    await mkdir(join(dir, 'repo', 'data', 'ab'), { recursive: true });
    await writeFile(join(dir, 'repo', 'data', 'ab', 'ab01'), PACK);
    minio = await startMinio();
    await minio.createBucket('bkt');
    await minio.uploadDir('bkt', 'pre/', join(dir, 'repo'));
  });

  afterAll(async () => {
    await minio?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('answers 200 small ranged reads with a few GETs and identical bytes', async () => {
    const loc = parseLocation(`s3:${minio.endpoint}/bkt/pre`);
    if (loc.kind !== 's3') throw new Error('not s3');
    const s3 = new S3Storage(loc, {
      accessKeyId: minio.accessKey,
      secretAccessKey: minio.secretKey,
      region: minio.region,
      maxAttempts: 2,
    });
    const counting = new CountingStorage(s3);
    const st = new CoalescingStorage(counting);
    try {
      // 200 "files" of 1-16 KiB packed back to back, like a pack of small blobs
      const ranges: ReadRange[] = [];
      let off = 0;
      for (let i = 0; i < 200; i++) {
        const length = 1024 + ((i * 7919) % (15 * 1024));
        ranges.push({ offset: off, length });
        off += length + 32;
      }
      const got = await Promise.all(ranges.map((r) => st.read('data/ab/ab01', r)));
      const direct = await Promise.all(ranges.slice(0, 20).map((r) => s3.read('data/ab/ab01', r)));
      got.forEach((g, i) => expect(Buffer.from(g).equals(slice(PACK, ranges[i]!))).toBe(true));
      direct.forEach((d, i) => expect(Buffer.from(d).equals(Buffer.from(got[i]!))).toBe(true));
      expect(st.stats.requested).toBe(200);
      expect(counting.reads.length).toBe(1);
      expect(counting.reads.length).toBeLessThan(ranges.length / 10);
    } finally {
      await st.close();
    }
  });
});
