/**
 * Ranged reads do minimal I/O: a 1 MiB range from the middle of a 24 MiB random file (restic
 * made it with 4 MiB packs) fetches only the packs holding the blobs that cover the range, only
 * those blobs' bytes, and returns exactly the source bytes. Counted with a wrapping Storage.
 */
import { afterAll, expect, it } from 'vitest';

import { LocalStorage, openRepository, type Entry, type Repository } from '../../src/index.js';
import type { ResticRepository } from '../../src/restic/repository.js';
import { CountingStorage } from '../storage/counting-storage.js';
import { BIG_SIZE, cleanupMade, madeRepoCopy, PASSWORD, randomBytesFixed } from './make-repo.js';

afterAll(cleanupMade);

async function file(repo: Repository, name: string): Promise<Entry> {
  const [snap] = await repo.snapshots();
  for await (const e of repo.list(await repo.root(snap!))) if (e.displayName === name) return e;
  throw new Error(`${name} not in the snapshot`);
}

it('a 1 MiB range from the middle reads only the packs and blobs that hold it', async () => {
  const counting = new CountingStorage(new LocalStorage(await madeRepoCopy()));
  const repo = (await openRepository(counting, {
    password: PASSWORD,
    cacheDir: false,
  })) as ResticRepository;
  const big = await file(repo, 'big.bin');
  expect(big.size).toBe(BIG_SIZE);
  const chunks = [];
  for await (const c of repo.chunks(big)) chunks.push(c);
  const index = await repo.index();
  const packsOfFile = new Set(chunks.map((c) => index.lookup('data', c.id)[0]!.packId));
  expect(packsOfFile.size).toBeGreaterThanOrEqual(4);

  const offset = Math.floor(BIG_SIZE / 2);
  const length = 1024 * 1024;
  const covering = chunks.filter((c) => c.offset + c.length > offset && c.offset < offset + length);
  const wantPacks = new Set(covering.map((c) => index.lookup('data', c.id)[0]!.packId));
  const wantBytes = covering.reduce((n, c) => n + c.storedLength!, 0);

  counting.reset();
  const got = new Uint8Array(await new Response(repo.open(big, { offset, length })).arrayBuffer());
  const source = randomBytesFixed(BIG_SIZE);
  expect(Buffer.compare(got, source.subarray(offset, offset + length))).toBe(0);

  const packReads = counting.reads.filter((r) => r.name.startsWith('data/'));
  expect(counting.reads.length).toBe(packReads.length); // no index/snapshot reloads
  const readPacks = new Set(packReads.map((r) => r.name.split('/')[2]));
  expect(readPacks).toEqual(wantPacks);
  expect(readPacks.size).toBeLessThan(packsOfFile.size);
  // only the covering blobs' bytes (the adjacent ones in one pack in one request)
  expect(packReads.reduce((n, r) => n + r.length, 0)).toBe(wantBytes);
  expect(packReads.length).toBeLessThanOrEqual(covering.length);
});

it('a whole read streams every byte in order with bounded fetch-ahead', async () => {
  const counting = new CountingStorage(new LocalStorage(await madeRepoCopy()));
  const repo = await openRepository(counting, { password: PASSWORD, cacheDir: false });
  const big = await file(repo, 'big.bin');
  const got = new Uint8Array(
    await new Response(repo.open(big, undefined, { concurrency: 2 })).arrayBuffer(),
  );
  expect(Buffer.compare(got, randomBytesFixed(BIG_SIZE))).toBe(0);
  // tail ranges, empty ranges and ranges past the end
  const tail = new Uint8Array(
    await new Response(repo.open(big, { offset: BIG_SIZE - 5 })).arrayBuffer(),
  );
  expect(Buffer.compare(tail, randomBytesFixed(BIG_SIZE).subarray(BIG_SIZE - 5))).toBe(0);
  const none = new Uint8Array(
    await new Response(repo.open(big, { offset: BIG_SIZE + 10, length: 5 })).arrayBuffer(),
  );
  expect(none.length).toBe(0);
});
