/**
 * A 1 MiB range from the middle of a multi-chunk file reads only the chunks that cover it:
 * storage reads are counted with a wrapper, and the bytes equal the same slice of a full read.
 */
import { expect, it } from 'vitest';

import { LocalStorage, openKopiaRepository } from '@salvage/repo-core';

import { fixture, fixtureRepoPath } from '../harness/fixtures.js';
import { CountingStorage } from '../../packages/repo-core/test/storage/counting-storage.js';
import { entryAt, readAll } from './helpers.js';

it('reads only the covering chunks of a 1 MiB range', async () => {
  const name = 'kopia-default';
  const storage = new CountingStorage(new LocalStorage(fixtureRepoPath(name)));
  const repo = await openKopiaRepository(storage, { password: fixture(name).password });
  const snap = (await repo.snapshots())[0]!;
  const file = await entryAt(repo, snap, 'data/random.bin');
  const chunks = [];
  for await (const c of repo.chunks(file)) chunks.push(c);
  expect(chunks.length).toBeGreaterThanOrEqual(3);

  const MiB = 1024 * 1024;
  const offset = Math.floor(file.size / 2) - MiB / 2;
  const covering = chunks.filter((c) => c.offset < offset + MiB && c.offset + c.length > offset);
  expect(covering.length).toBeLessThan(chunks.length);

  storage.reset();
  const part = await readAll(repo.open(file, { offset, length: MiB }));
  const packReads = storage.reads.filter((r) => r.name.startsWith('p'));
  expect(part.length).toBe(MiB);
  expect(storage.reads.filter((r) => !r.name.startsWith('p'))).toEqual([]);
  const expectedBytes = covering.reduce((a, c) => a + c.storedLength!, 0);
  expect(packReads.reduce((a, r) => a + r.length, 0)).toBe(expectedBytes);
  expect(packReads.every((r) => r.ranged)).toBe(true);

  const whole = await readAll(repo.open(file));
  expect(part.equals(whole.subarray(offset, offset + MiB))).toBe(true);
  await repo.close();
});
