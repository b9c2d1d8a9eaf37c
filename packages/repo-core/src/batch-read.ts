/**
 * Whole files read together in storage order, for both formats (the model's `readFiles`). Reading
 * many small files one by one costs one storage request each; their chunks usually sit side by
 * side in a few packs, so the distinct chunks of all files are sorted by where they lie, merged
 * into runs (one request each, the format decides how far apart neighbours may be), fetched a few
 * runs at a time, and every file is yielded as soon as its last chunk is in. restic reads packs
 * the same way when restoring (`internal/restorer/filerestorer.go`, one pass per pack).
 *
 * Memory: every file of the call is held until it is yielded, plus the runs in flight; callers
 * pass batches of bounded total size. Files larger than `piecesAbove` are not held: each chunk is
 * yielded as a piece at its place in the file as soon as its run is in, as restic's restorer
 * writes each blob of a pack at its file offsets; so a large file's chunks join the same
 * storage-ordered runs as the small files' (one request per run, not per file range).
 */

import { IntegrityError } from './errors.js';
import type { FileData, FilePiece } from './model.js';
import type { Sink } from './util/sinks.js';

/** one chunk of one file: its id (equal ids are fetched once) and where it goes in the file */
export interface PlacedChunk {
  readonly key: string;
  readonly start: number;
  readonly length: number;
}

export interface FileLayout {
  readonly size: number;
  readonly chunks: readonly PlacedChunk[];
  /** the file cannot be laid out (a chunk missing from the index): yielded as this error */
  readonly error?: Error;
}

/** what a format supplies: how to order and group its chunks, and how to fetch a group */
export interface RunSource {
  /** distinct chunk keys → runs, each read with one request, in storage order */
  plan(keys: readonly string[]): string[][];
  /**
   * the verified plaintexts of one run, in run order. `sinks[k]` asks for chunk k to be written
   * into files instead (util/sinks.ts); such a chunk comes back empty when it was, else as its
   * plaintext (a source may ignore sinks, e.g. where it decodes on this thread)
   */
  fetch(
    run: readonly string[],
    sinks?: readonly (readonly Sink[] | undefined)[],
  ): Promise<Uint8Array[]>;
  /** one chunk on its own, trying every stored copy (after its run failed) */
  fetchOne(key: string): Promise<Uint8Array>;
}

interface Use {
  file: number;
  start: number;
  length: number;
}

export interface BatchReadOptions {
  /** runs fetched at once (default 4) */
  concurrency?: number;
  signal?: AbortSignal;
  /** what to call a file in errors */
  describe?: (file: number) => string;
  /** files larger than this are yielded in pieces (model.ts ReadFilesOptions) */
  piecesAbove?: number;
  /** a descriptor open for writing for a pieced file (model.ts ReadFilesOptions `pieceFd`) */
  pieceFd?: (file: number) => Promise<number>;
}

export async function* readFilesInStorageOrder(
  layouts: readonly FileLayout[],
  source: RunSource,
  options: BatchReadOptions = {},
): AsyncIterable<FileData> {
  const uses = new Map<string, Use[]>();
  const missing = layouts.map((l) => l.chunks.length);
  const buffers: (Uint8Array | undefined)[] = layouts.map(() => undefined);
  const failed: (Error | undefined)[] = layouts.map(() => undefined);
  const piecesAbove = options.piecesAbove ?? Number.POSITIVE_INFINITY;
  const pieced = layouts.map((l) => l.size > piecesAbove);
  /** files and pieces ready to be yielded, in order */
  const out: FileData[] = [];
  /** pieced files' descriptors (options.pieceFd), asked for once each */
  const fds = new Map<number, Promise<number>>();
  /** runs in flight that may write into each file (through sinks) */
  const holds = new Map<number, number>();
  /** failed pieced files whose error waits for those runs: the owner closes the file on it */
  const held = new Set<number>();
  const describe = options.describe ?? ((i: number) => `file #${i}`);

  const finish = (i: number): void => {
    if ((holds.get(i) ?? 0) > 0) {
      held.add(i); // its error comes once no run can write into it any more (release)
      return;
    }
    const error = failed[i];
    if (error) out.push({ index: i, error });
    else if (!pieced[i]) out.push({ index: i, data: buffers[i] ?? new Uint8Array(0) });
    buffers[i] = undefined;
  };

  layouts.forEach((l, i) => {
    if (l.error) failed[i] = l.error;
    else {
      const got = l.chunks.reduce((n, c) => Math.max(n, c.start + c.length), 0);
      if (got !== l.size)
        failed[i] = new IntegrityError(
          `${describe(i)}: its chunks hold ${got} bytes, its size is ${l.size}`,
        );
    }
    if (l.chunks.length === 0 || failed[i]) {
      missing[i] = 0;
      pieced[i] = false; // yielded whole (empty) or as its error, never in pieces
      return finish(i);
    }
    for (const c of l.chunks) {
      let u = uses.get(c.key);
      if (!u) uses.set(c.key, (u = []));
      u.push({ file: i, start: c.start, length: c.length });
    }
  });

  /** `written`: the chunk is already in its files (sinks), `data` is empty */
  const place = (key: string, data: Uint8Array | Error, written = false): void => {
    for (const u of uses.get(key)!) {
      const i = u.file;
      if (missing[i] === 0) continue; // already failed and yielded
      if (data instanceof Error) failed[i] ??= data;
      else if (!failed[i] && !written && data.length !== u.length) {
        failed[i] = new IntegrityError(
          `${describe(i)}: chunk ${key} is ${data.length} bytes where the file needs ${u.length}`,
        );
      }
      if (failed[i]) {
        // a pieced file fails at once: nothing more of it is yielded
        if (pieced[i]) {
          missing[i] = 0;
          finish(i);
        } else if (--missing[i]! === 0) finish(i);
        continue;
      }
      const last = --missing[i]! === 0;
      if (pieced[i]) {
        const piece: FilePiece = {
          index: i,
          piece: true,
          start: u.start,
          length: u.length,
          data: data as Uint8Array,
          written,
          last,
        };
        out.push(piece);
        continue;
      }
      const d = data as Uint8Array;
      if (u.start === 0 && u.length === layouts[i]!.size) {
        buffers[i] = d; // the whole file is this one chunk: no copy
      } else {
        (buffers[i] ??= new Uint8Array(layouts[i]!.size)).set(d, u.start);
      }
      if (last) finish(i);
    }
  };

  const runs = source.plan([...uses.keys()]);
  const width = Math.max(1, options.concurrency ?? 4);
  let next = 0;
  let inflight = 0;
  let wake: (() => void) | undefined;
  let fatal: unknown;

  /**
   * sinks for the run's chunks whose every live use is a piece of a file (options.pieceFd), and
   * the files they write into, held until the run settles
   */
  const sinksFor = async (
    run: readonly string[],
  ): Promise<{ sinks: (Sink[] | undefined)[]; files: number[] } | undefined> => {
    const pieceFd = options.pieceFd;
    if (!pieceFd) return undefined;
    const live = (u: Use) => missing[u.file]! > 0 && !failed[u.file];
    const wanted = run.map((key) => {
      const us = uses.get(key)!.filter(live);
      return us.length > 0 && us.every((u) => pieced[u.file]) ? us : undefined;
    });
    if (wanted.every((w) => w === undefined)) return undefined;
    const files = [...new Set(wanted.flatMap((us) => (us ?? []).map((u) => u.file)))];
    const opened = new Map<number, number>();
    for (const i of files) {
      let fd = fds.get(i);
      if (!fd) fds.set(i, (fd = pieceFd(i)));
      try {
        opened.set(i, await fd);
      } catch (e) {
        failed[i] ??= e instanceof Error ? e : new Error(String(e));
      }
    }
    const sinks = wanted.map((us) => {
      const ok = us?.filter((u) => opened.has(u.file) && live(u));
      return ok && ok.length === us!.length
        ? ok.map((u) => ({ fd: opened.get(u.file)!, pos: u.start, length: u.length }))
        : undefined;
    });
    const holding = files.filter((i) => opened.has(i));
    for (const i of holding) holds.set(i, (holds.get(i) ?? 0) + 1);
    return { sinks, files: holding };
  };

  /** the run that held these files settled: failures waiting for it are yielded */
  const release = (files: readonly number[]): void => {
    for (const i of files) {
      const n = holds.get(i)! - 1;
      if (n > 0) holds.set(i, n);
      else {
        holds.delete(i);
        if (held.delete(i)) finish(i);
      }
    }
  };

  const fetchRun = async (run: readonly string[]): Promise<void> => {
    let datas: Uint8Array[] | undefined;
    const sunk = await sinksFor(run);
    try {
      datas = await source.fetch(run, sunk?.sinks);
    } catch {
      // one bad chunk must not fail its neighbours: fetch each on its own, trying every copy
    } finally {
      if (sunk) release(sunk.files);
    }
    for (let k = 0; k < run.length; k++) {
      const key = run[k]!;
      let d: Uint8Array | Error;
      if (datas) {
        d = datas[k]!;
        if (sunk?.sinks[k] && d.length === 0) {
          place(key, d, true);
          continue;
        }
      } else {
        try {
          d = await source.fetchOne(key);
        } catch (e) {
          d = e instanceof Error ? e : new Error(String(e));
        }
      }
      place(key, d);
    }
  };

  const launch = (): void => {
    while (inflight < width && next < runs.length && fatal === undefined) {
      const run = runs[next++]!;
      inflight++;
      fetchRun(run)
        .catch((e: unknown) => {
          fatal ??= e;
        })
        .finally(() => {
          inflight--;
          wake?.();
        });
    }
  };

  try {
    for (;;) {
      launch();
      while (out.length > 0) yield out.shift()!;
      if (fatal !== undefined) throw fatal;
      options.signal?.throwIfAborted();
      // runs may have finished while the consumer held a yielded file: refill before waiting
      launch();
      if (out.length > 0) continue;
      if (inflight === 0) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = undefined;
    }
  } finally {
    next = runs.length; // stop launching when the consumer leaves early
    // runs still in flight may write into files (sinks): the caller closes them once this ends
    while (inflight > 0) {
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = undefined;
    }
  }
  // every file was yielded: a file left here would be a bug in the plan, never silently dropped
  const left = missing.findIndex((m) => m > 0);
  if (left >= 0) throw new Error(`${describe(left)}: ${missing[left]} chunk(s) were never read`);
}
