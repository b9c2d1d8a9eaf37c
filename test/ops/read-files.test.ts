// The model's batched `readFiles` (batch-read.ts with restic/ and kopia/ run sources) against
// `open` on every fixture repository made by the real tools: same bytes for every file of the
// newest snapshot, each file yielded once; and on a copy with one damaged pack, exactly the files
// `open` cannot read come back as errors naming what is damaged, while the rest still come.
// With `pieceFd`, pieces decoded in a worker are written straight into the files (`written`).
import { createHash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openRepository, walk, type Entry, type Repository } from '@salvage/repo-core';
import {
  copyFixtureToTemp,
  damageLargestFile,
  fixtureRepoPath,
  loadFixtures,
} from '../harness/fixtures.js';

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

async function filesOf(repo: Repository): Promise<Entry[]> {
  const snaps = await repo.snapshots();
  const files: Entry[] = [];
  await walk(repo, await repo.root(snaps.at(-1)!), {
    visit(item) {
      if (item.entry.type === 'file') files.push(item.entry);
    },
  });
  return files;
}

async function viaOpen(repo: Repository, f: Entry): Promise<string | Error> {
  try {
    const parts: Uint8Array[] = [];
    const reader = repo.open(f).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
    }
    return sha(Buffer.concat(parts));
  } catch (e) {
    return e as Error;
  }
}

/**
 * readFiles in batches of `size`: each file's digest or error, by position. With `piecesAbove`,
 * larger files come in pieces, put together here: each piece inside its file, exactly one
 * `last` piece per complete file, nothing of a file after its last piece or its error.
 */
async function viaBatches(
  repo: Repository,
  files: Entry[],
  size: number,
  slow = false,
  piecesAbove?: number,
  /** pieced files go into files here through `pieceFd`; counts the pieces that came written */
  sinks?: { dir: string; written: number },
): Promise<(string | Error)[]> {
  const out: (string | Error)[] = [];
  for (let at = 0; at < files.length; at += size) {
    const batch = files.slice(at, at + size);
    const seen = new Set<number>();
    const assembling = new Map<number, { buf: Buffer; got: number }>();
    const fds = new Map<number, number>();
    const pieceFd = sinks
      ? (i: number) => {
          let fd = fds.get(i);
          if (fd === undefined) fds.set(i, (fd = openSync(join(sinks.dir, `${at + i}`), 'w+')));
          return Promise.resolve(fd);
        }
      : undefined;
    const options = { ...(slow ? { concurrency: 1 } : {}), piecesAbove, pieceFd };
    for await (const f of repo.readFiles!(batch, options)) {
      // a consumer that holds each file a while: runs finish while the generator is suspended
      if (slow) await new Promise((r) => setTimeout(r, 2));
      expect(seen.has(f.index), `file ${f.index} yielded after it was complete`).toBe(false);
      if (f.piece) {
        const entry = batch[f.index]!;
        expect(piecesAbove !== undefined && entry.size > piecesAbove).toBe(true);
        expect(f.start + f.data.length).toBeLessThanOrEqual(entry.size);
        let a = assembling.get(f.index);
        if (!a) assembling.set(f.index, (a = { buf: Buffer.alloc(entry.size), got: 0 }));
        if (f.written) {
          expect(sinks).toBeDefined();
          expect(f.data.length).toBe(0);
          sinks!.written++;
        } else if (sinks) {
          expect(f.data.length).toBe(f.length);
          writeSync(fds.get(f.index)!, f.data, 0, f.data.length, f.start);
        } else a.buf.set(f.data, f.start);
        a.got += f.length;
        if (!f.last) continue;
        expect(a.got).toBeGreaterThanOrEqual(entry.size);
        seen.add(f.index);
        out[at + f.index] = sinks
          ? sha(readFileSync(join(sinks.dir, `${at + f.index}`)))
          : sha(a.buf);
        continue;
      }
      seen.add(f.index);
      out[at + f.index] = f.error ?? sha(f.data);
    }
    for (const fd of fds.values()) closeSync(fd);
    expect(seen.size).toBe(batch.length);
  }
  return out;
}

for (const fx of loadFixtures()) {
  describe(`readFiles ${fx.name}`, () => {
    it('gives every file of the newest snapshot exactly as open() does', async () => {
      const repo = await openRepository(fixtureRepoPath(fx.name), {
        password: fx.password,
        cacheDir: false,
      });
      try {
        expect(repo.readFiles).toBeDefined();
        const files = await filesOf(repo);
        expect(files.length).toBeGreaterThan(0);
        const expected = await Promise.all(files.map((f) => viaOpen(repo, f)));
        expect(expected.every((e) => typeof e === 'string')).toBe(true);
        expect(await viaBatches(repo, files, 7)).toEqual(expected);
        expect(await viaBatches(repo, files, files.length)).toEqual(expected);
        expect(await viaBatches(repo, files, files.length, true)).toEqual(expected);
        // large files in pieces: every non-empty file, then only those above 1000 bytes
        expect(await viaBatches(repo, files, files.length, false, 0)).toEqual(expected);
        expect(await viaBatches(repo, files, 7, false, 1000)).toEqual(expected);
        // pieces written by whoever decodes them (a decode worker: 1 on 2 cores or more)
        const dir = mkdtempSync(join(tmpdir(), 'salvage-readfiles-'));
        try {
          const sinks = { dir, written: 0 };
          expect(await viaBatches(repo, files, files.length, false, 0, sinks)).toEqual(expected);
          expect(sinks.written).toBeGreaterThan(0);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      } finally {
        await repo.close();
      }
    });
  });
}

describe('readFiles with a damaged pack', () => {
  for (const format of ['restic', 'kopia'] as const) {
    const fx = loadFixtures().find((f) => f.format === format)!;
    it(`${fx.name}: only the files open() cannot read fail, each naming the damage`, async () => {
      const copy = await copyFixtureToTemp(fx.name);
      try {
        damageLargestFile(copy);
        const repo = await openRepository(copy, { password: fx.password, cacheDir: false });
        try {
          const files = await filesOf(repo);
          const expected = await Promise.all(files.map((f) => viaOpen(repo, f)));
          const bad = expected.filter((e) => e instanceof Error).length;
          expect(bad).toBeGreaterThan(0);
          expect(bad).toBeLessThan(files.length);
          const whole = await viaBatches(repo, files, files.length);
          const pieced = await viaBatches(repo, files, files.length, false, 0);
          const dir = mkdtempSync(join(tmpdir(), 'salvage-readfiles-'));
          let sunk: (string | Error)[];
          try {
            sunk = await viaBatches(repo, files, files.length, false, 0, { dir, written: 0 });
          } finally {
            rmSync(dir, { recursive: true, force: true });
          }
          for (const got of [whole, pieced, sunk])
            got.forEach((g, i) => {
              const want = expected[i]!;
              if (typeof want === 'string') expect(g).toBe(want);
              else {
                expect(g).toBeInstanceOf(Error);
                expect((g as Error & { code?: string }).code).toBe('SALVAGE_INTEGRITY');
              }
            });
        } finally {
          await repo.close();
        }
      } finally {
        rmSync(dirname(copy), { recursive: true, force: true });
      }
    });
  }
});
