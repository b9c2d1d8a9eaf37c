/**
 * batch-read.ts with sinks (`pieceFd`), over an in-memory run source whose chunks are known
 * bytes (the real formats' sources are tested on the fixtures in test/ops/read-files.test.ts):
 * sunk pieces come `written` and empty and the files hold the right bytes; a source that
 * ignores sinks gives data pieces; a chunk shared with a whole file is never sunk; a pieced
 * file's failure is yielded only after every run that may still write into it has settled (its
 * owner closes the descriptor on that error); leaving early waits for runs in flight; a
 * descriptor that cannot be opened fails that file alone.
 */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { readFilesInStorageOrder, type FileLayout, type RunSource } from '../src/batch-read.js';
import type { FileData } from '../src/model.js';
import { SUNK, writeSinks, type Sink } from '../src/util/sinks.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function chunk(key: string, length: number): Uint8Array {
  const b = new Uint8Array(length);
  for (let i = 0; i < length; i++) b[i] = (key.charCodeAt(0) * 31 + i * 7) & 0xff;
  return b;
}

interface Options {
  /** write sunk chunks (else ignore sinks and return data) */
  honour?: boolean;
  /** keys whose fetch fails (run and fetchOne) */
  bad?: Set<string>;
  /** ms a run holding this key takes */
  delay?: Map<string, number>;
  /** settles, in order */
  log?: string[];
}

function source(runs: string[][], lengths: Map<string, number>, o: Options = {}): RunSource {
  return {
    plan: () => runs,
    async fetch(run, sinks?: readonly (readonly Sink[] | undefined)[]) {
      const wait = Math.max(0, ...run.map((k) => o.delay?.get(k) ?? 0));
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      o.log?.push(`settled ${run.join('+')}`);
      if (run.some((k) => o.bad?.has(k))) throw new Error(`bad run ${run.join('+')}`);
      return run.map((k, i) => {
        const data = chunk(k, lengths.get(k)!);
        const s = sinks?.[i];
        if (!s || !o.honour) return data;
        writeSinks(data, s, `chunk ${k}`);
        return SUNK;
      });
    },
    async fetchOne(key) {
      if (o.bad?.has(key)) throw new Error(`bad chunk ${key}`);
      return chunk(key, lengths.get(key)!);
    },
  };
}

/** files made of chunks laid end to end */
function layouts(files: string[][], lengths: Map<string, number>): FileLayout[] {
  return files.map((keys) => {
    let at = 0;
    const chunks = keys.map((key) => {
      const c = { key, start: at, length: lengths.get(key)! };
      at += c.length;
      return c;
    });
    return { size: at, chunks };
  });
}

function expected(keys: string[], lengths: Map<string, number>): Buffer {
  return Buffer.concat(keys.map((k) => chunk(k, lengths.get(k)!)));
}

/** runs readFiles with pieceFd opening one temp file per pieced file; the files' bytes after */
async function collect(
  files: string[][],
  lengths: Map<string, number>,
  runs: string[][],
  o: Options & { piecesAbove?: number; failOpen?: Set<number>; stopAfter?: number } = {},
) {
  const dir = mkdtempSync(join(tmpdir(), 'salvage-batch-'));
  dirs.push(dir);
  const fds = new Map<number, number>();
  const got: FileData[] = [];
  const contents = new Map<number, Buffer>();
  const errors = new Map<number, Error>();
  const it = readFilesInStorageOrder(layouts(files, lengths), source(runs, lengths, o), {
    piecesAbove: o.piecesAbove ?? 0,
    concurrency: 4,
    async pieceFd(i) {
      if (o.failOpen?.has(i)) throw new Error(`cannot create file ${i}`);
      let fd = fds.get(i);
      if (fd === undefined) fds.set(i, (fd = openSync(join(dir, String(i)), 'w+')));
      return fd;
    },
  });
  for await (const f of it) {
    got.push(f);
    if (f.error) {
      o.log?.push(`error ${f.index}`);
      errors.set(f.index, f.error);
    } else if (f.piece) {
      if (!f.written) {
        // data pieces are the consumer's to write
        writeSync(fds.get(f.index)!, f.data, 0, f.data.length, f.start);
      } else expect(f.data.length).toBe(0);
      if (f.last) contents.set(f.index, readFileSync(join(dir, String(f.index))));
    } else contents.set(f.index, Buffer.from(f.data));
    if (o.stopAfter !== undefined && got.length >= o.stopAfter) break;
  }
  o.log?.push('ended');
  for (const fd of fds.values()) closeSync(fd);
  return { got, contents, errors };
}

describe('readFilesInStorageOrder with pieceFd', () => {
  const lengths = new Map([
    ['a', 1000],
    ['b', 700],
    ['c', 1300],
    ['d', 50],
    ['e', 400],
  ]);

  it('sunk chunks come as written pieces and the files hold the right bytes', async () => {
    const files = [['a', 'b', 'a'], ['c', 'd'], ['e']];
    const runs = [['a', 'b'], ['c'], ['d', 'e']];
    const { got, contents, errors } = await collect(files, lengths, runs, { honour: true });
    expect(errors.size).toBe(0);
    files.forEach((keys, i) => expect(contents.get(i)!.equals(expected(keys, lengths))).toBe(true));
    const pieces = got.filter((f) => f.piece);
    expect(pieces.length).toBe(6); // 'a' twice in file 0
    expect(pieces.every((f) => f.piece && f.written)).toBe(true);
    expect(pieces.reduce((n, f) => n + (f.piece ? f.length : 0), 0)).toBe(
      files.flat().reduce((n, k) => n + lengths.get(k)!, 0),
    );
  });

  it('a source that ignores sinks gives data pieces, same files', async () => {
    const files = [['a', 'b'], ['c']];
    const { got, contents } = await collect(files, lengths, [['a', 'b', 'c']], { honour: false });
    expect(got.filter((f) => f.piece).every((f) => f.piece && !f.written)).toBe(true);
    files.forEach((keys, i) => expect(contents.get(i)!.equals(expected(keys, lengths))).toBe(true));
  });

  it('a chunk shared with a whole (small) file is not sunk', async () => {
    // file 0 is pieced (above 1500 bytes), file 1 whole; both use 'b'
    const files = [
      ['a', 'b', 'c'],
      ['b', 'd'],
    ];
    const { got, contents } = await collect(
      files,
      lengths,
      [
        ['a', 'b'],
        ['c', 'd'],
      ],
      {
        honour: true,
        piecesAbove: 1500,
      },
    );
    const bPiece = got.find((f) => f.piece && f.start === 1000);
    expect(bPiece && bPiece.piece && bPiece.written).toBe(false);
    const aPiece = got.find((f) => f.piece && f.start === 0);
    expect(aPiece && aPiece.piece && aPiece.written).toBe(true);
    files.forEach((keys, i) => expect(contents.get(i)!.equals(expected(keys, lengths))).toBe(true));
  });

  it("a pieced file's error waits for the runs still writing into it", async () => {
    const log: string[] = [];
    // file 0: 'a' in a slow run (writing into it), 'b' in a run that fails fast, also alone
    const files = [['a', 'b'], ['c']];
    const { errors, contents } = await collect(files, lengths, [['a'], ['b'], ['c']], {
      honour: true,
      bad: new Set(['b']),
      delay: new Map([['a', 80]]),
      log,
    });
    expect(errors.get(0)?.message).toContain('bad chunk b');
    expect(log.indexOf('settled a')).toBeLessThan(log.indexOf('error 0'));
    expect(contents.get(1)!.equals(expected(['c'], lengths))).toBe(true);
  });

  it('leaving early waits for the runs in flight before the iteration ends', async () => {
    const log: string[] = [];
    const files = [['d'], ['a'], ['c']];
    await collect(files, lengths, [['d'], ['a'], ['c']], {
      honour: true,
      delay: new Map([
        ['a', 60],
        ['c', 90],
      ]),
      log,
      stopAfter: 1,
    });
    expect(log.indexOf('ended')).toBeGreaterThan(log.indexOf('settled a'));
    expect(log.indexOf('ended')).toBeGreaterThan(log.indexOf('settled c'));
  });

  it('a descriptor that cannot be opened fails that file alone', async () => {
    const files = [['a'], ['a', 'c'], ['e']];
    const { errors, contents } = await collect(files, lengths, [['a', 'c', 'e']], {
      honour: true,
      failOpen: new Set([1]),
    });
    expect([...errors.keys()]).toEqual([1]);
    expect(errors.get(1)!.message).toContain('cannot create file 1');
    expect(contents.get(0)!.equals(expected(['a'], lengths))).toBe(true);
    expect(contents.get(2)!.equals(expected(['e'], lengths))).toBe(true);
  });
});
