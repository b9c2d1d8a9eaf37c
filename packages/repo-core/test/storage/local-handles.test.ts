/**
 * LocalStorage's cache of open handles for ranged reads: many concurrent reads over more files
 * than the cache holds (so handles are evicted while reads are in flight) return the right bytes,
 * errors stay typed, and after close() no handle is left open and reads still work.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, expect, it } from 'vitest';

import { IntegrityError, LocalStorage, MissingObjectError } from '../../src/index.js';

const FILES = 200; // more than the 64 handles kept
let dir: string;
const bodies: Buffer[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'salvage-handles-'));
  await mkdir(join(dir, 'data'));
  for (let i = 0; i < FILES; i++) {
    bodies.push(randomBytes(4096 + i));
    await writeFile(join(dir, 'data', `p${i}`), bodies[i]!);
  }
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function openFds(): Promise<number> {
  return (await readdir('/proc/self/fd')).length;
}

it('serves concurrent ranged reads across evictions, then closes every handle', async () => {
  const before = await openFds();
  const s = new LocalStorage(dir);
  const reads: Promise<void>[] = [];
  for (let k = 0; k < 3000; k++) {
    const i = (k * 7919) % FILES;
    const offset = (k * 31) % 4000;
    const length = 1 + (k % 90);
    reads.push(
      s.read(`data/p${i}`, { offset, length }).then((got) => {
        expect(Buffer.from(got).equals(bodies[i]!.subarray(offset, offset + length))).toBe(true);
      }),
    );
  }
  await Promise.all(reads);
  expect(await openFds()).toBeLessThanOrEqual(before + 64);

  await expect(s.read('data/p1', { offset: 5000, length: 10 })).rejects.toBeInstanceOf(
    IntegrityError,
  );
  await expect(s.read('data/none', { offset: 0, length: 1 })).rejects.toBeInstanceOf(
    MissingObjectError,
  );

  await s.close();
  // handles close asynchronously: give them a moment
  for (let t = 0; t < 50 && (await openFds()) > before; t++)
    await new Promise((r) => setTimeout(r, 10));
  expect(await openFds()).toBeLessThanOrEqual(before);

  // still readable after close (uncached)
  const again = await s.read('data/p3', { offset: 10, length: 20 });
  expect(Buffer.from(again).equals(bodies[3]!.subarray(10, 30))).toBe(true);
});
