/**
 * pack.ts decodeBlob into a caller's slot and decodeBlobRun (what the decode workers run): on
 * every pack of every restic fixture (uncompressed v1 and v2-off,
 * compressed v2-auto and v2-max), a whole pack decoded as one run equals its blobs decoded one
 * by one; concurrent decodes on one thread, which share its scratch buffer for compressed blobs,
 * do not mix; a blob that fails verification leaves its slot untouched and names pack and blob;
 * blobs with sinks (util/sinks.ts) are written into a file at their places (every other blob of
 * the run still comes back), a sink of the wrong length is refused before anything is written.
 */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { fixtureRepoPath, loadFixtures } from '../../../../test/harness/fixtures.js';
import { IntegrityError } from '../../src/errors.js';
import {
  decodeBlob,
  decodeBlobRun,
  plainLength,
  readPackHeader,
  type PackHeaderEntry,
} from '../../src/restic/pack.js';
import { ResticRepository } from '../../src/restic/repository.js';
import { LocalStorage } from '../../src/storage/local.js';
import type { Sink } from '../../src/util/sinks.js';

const RESTIC = loadFixtures().filter((f) => f.format === 'restic');

const opened: ResticRepository[] = [];
afterEach(async () => {
  for (const r of opened.splice(0)) await r.close();
});

interface Pack {
  id: string;
  bytes: Uint8Array;
  blobs: (PackHeaderEntry & { packId: string })[];
}

async function packsOf(
  name: string,
  password: string,
): Promise<{ repo: ResticRepository; packs: Pack[] }> {
  const path = fixtureRepoPath(name);
  const storage = new LocalStorage(path);
  const repo = await ResticRepository.open(storage, { password, decodeThreads: 0 });
  opened.push(repo);
  const packs: Pack[] = [];
  for (const sub of await readdir(join(path, 'data'))) {
    for (const id of await readdir(join(path, 'data', sub))) {
      const file = join(path, 'data', sub, id);
      const header = await readPackHeader(storage, repo.key, id, (await stat(file)).size);
      packs.push({
        id,
        bytes: new Uint8Array(await readFile(file)),
        blobs: header.map((h) => ({ ...h, packId: id })),
      });
    }
  }
  return { repo, packs };
}

describe.each(RESTIC.map((f) => [f.name, f] as const))('%s', (_name, f) => {
  it('a whole pack as one run equals its blobs one by one; concurrent slots do not mix', async () => {
    const { repo, packs } = await packsOf(f.name, f.password);
    expect(packs.length).toBeGreaterThan(0);
    let compressed = 0;
    for (const p of packs) {
      const singles = await Promise.all(
        p.blobs.map((b) =>
          decodeBlob(repo.key, p.bytes.subarray(b.offset, b.offset + b.length), b),
        ),
      );
      const run = await decodeBlobRun(repo.key, p.bytes, p.blobs);
      expect(run.ends.length).toBe(p.blobs.length);
      const all = new Uint8Array(run.data);
      p.blobs.forEach((b, i) => {
        const from = i === 0 ? 0 : run.ends[i - 1]!;
        expect(run.ends[i]! - from).toBe(plainLength(b));
        expect(Buffer.from(all.subarray(from, run.ends[i])).equals(Buffer.from(singles[i]!))).toBe(
          true,
        );
        if (b.compressed && b.type === 'data') compressed++;
      });
      // every blob into its own slot at once: compressed ones share this thread's scratch
      const slots = p.blobs.map((b) => new Uint8Array(plainLength(b)));
      await Promise.all(
        p.blobs.map((b, i) =>
          decodeBlob(repo.key, p.bytes.subarray(b.offset, b.offset + b.length), b, slots[i]),
        ),
      );
      slots.forEach((s, i) => expect(Buffer.from(s).equals(Buffer.from(singles[i]!))).toBe(true));
    }
    // compressed data blobs: both slot paths (scratch, straight into the slot) are exercised
    if (f.name.includes('auto') || f.name.includes('max')) expect(compressed).toBeGreaterThan(0);
    else expect(compressed).toBe(0);
  });

  it('a blob failing verification leaves its slot untouched and names pack and blob', async () => {
    const { repo, packs } = await packsOf(f.name, f.password);
    const p = packs.find((x) => x.blobs.some((b) => b.type === 'data')) ?? packs[0]!;
    const b = p.blobs.find((x) => x.type === 'data') ?? p.blobs[0]!;
    const stored = p.bytes.slice(b.offset, b.offset + b.length);
    stored[stored.length >> 1]! ^= 1;
    const slot = new Uint8Array(plainLength(b)).fill(0xee);
    const err = await decodeBlob(repo.key, stored, b, slot).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IntegrityError);
    expect((err as IntegrityError).message).toContain(`pack ${p.id}`);
    expect((err as IntegrityError).message).toContain(b.id);
    expect(slot.every((x) => x === 0xee)).toBe(true);
    // a slot of the wrong size for an uncompressed blob is refused after the MAC check
    if (!b.compressed) {
      const ok = p.bytes.subarray(b.offset, b.offset + b.length);
      await expect(decodeBlob(repo.key, ok, b, new Uint8Array(plainLength(b) + 1))).rejects.toThrow(
        /bytes where .* were expected/,
      );
    }
  });
});

describe('decodeBlobRun with sinks', () => {
  const f = RESTIC.find((x) => x.name.includes('auto')) ?? RESTIC[0]!;
  it(`${f.name}: every other blob goes to a file (twice), the rest come back`, async () => {
    const { repo, packs } = await packsOf(f.name, f.password);
    const dir = mkdtempSync(join(tmpdir(), 'salvage-sinks-'));
    try {
      for (const p of packs) {
        const singles = await Promise.all(
          p.blobs.map((b) =>
            decodeBlob(repo.key, p.bytes.subarray(b.offset, b.offset + b.length), b),
          ),
        );
        const file = join(dir, p.id);
        const fd = openSync(file, 'w+');
        let at = 0;
        const places: { pos: number; blob: number }[] = [];
        const sunk = p.blobs.map((b, i): Sink[] | undefined => {
          if (i % 2 === 1) return undefined;
          const len = plainLength(b);
          const sinks = [0, 1].map(() => {
            places.push({ pos: at, blob: i });
            const s = { fd, pos: at, length: len };
            at += len + 3;
            return s;
          });
          return sinks;
        });
        let run;
        try {
          run = await decodeBlobRun(
            repo.key,
            p.bytes,
            p.blobs.map((b, i) => ({ ...b, sinks: sunk[i] })),
          );
        } finally {
          closeSync(fd);
        }
        const all = new Uint8Array(run.data);
        p.blobs.forEach((b, i) => {
          const from = i === 0 ? 0 : run.ends[i - 1]!;
          const got = all.subarray(from, run.ends[i]);
          if (sunk[i]) expect(got.length).toBe(0);
          else expect(Buffer.from(got).equals(Buffer.from(singles[i]!))).toBe(true);
        });
        const written = readFileSync(file);
        for (const { pos, blob } of places) {
          const want = singles[blob]!;
          expect(written.subarray(pos, pos + want.length).equals(Buffer.from(want))).toBe(true);
        }
      }
      // a sink whose length is not the blob's: an IntegrityError, the file untouched
      const p = packs[0]!;
      const b = p.blobs[0]!;
      const file = join(dir, 'wrong');
      const fd = openSync(file, 'w+');
      try {
        const err = await decodeBlobRun(repo.key, p.bytes, [
          { ...b, sinks: [{ fd, pos: 0, length: plainLength(b) + 1 }] },
        ]).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(IntegrityError);
        expect((err as Error).message).toContain(b.id);
      } finally {
        closeSync(fd);
      }
      expect(readFileSync(file).length).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
