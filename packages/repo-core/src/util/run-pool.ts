/**
 * A format-agnostic pool of worker threads that decode runs: each worker is sent one `init`
 * message when it starts (a format's keys and settings), then runs, each ONE transferred
 * ArrayBuffer of stored bytes plus a list of items (where each piece lies, what it must be);
 * a run's answer is one transferred ArrayBuffer of plaintexts cut at the returned ends. The
 * worker side is run-worker.ts; restic (restic/decode-pool.ts) and kopia (kopia/decode-pool.ts)
 * supply only their worker entry, wire items and inline fallback.
 *
 * Each run carries the crypto path preference (crypto/select.ts) and brings back the worker's
 * `cryptoUsage` counts, added to this thread's. A failure comes back as the same IntegrityError
 * (message, data, cause's message) inline decoding throws; notes a worker makes along the way
 * (kopia's ECC repairs) are handed to `onNotes`. At most `queuePerWorker` runs are in flight per
 * worker; more wait here, in order. The first `inlineFirstBytes` decode on the calling thread;
 * workers start with the first run past them (or with warm()), are unref'ed while idle (never
 * keeping the process alive) and end with close(); a worker that dies fails its runs and is
 * replaced on the next one. Without a compiled worker script, or with 0 threads, `threaded` is
 * false and callers decode inline.
 */

import type { Worker } from 'node:worker_threads';

import { cryptoPreference, cryptoUsage, type CryptoPreference } from '../crypto/select.js';
import { IntegrityError, UnsupportedFormatError } from '../errors.js';
import { SinkScratch, SUNK, writeSinksAsync, type Sink } from './sinks.js';
import { cores, onWorkerLost, workerThreads } from './worker-script.js';

/** this thread's buffers for sunk items decoded inline (several runs may decode here at once) */
const inlineScratch = new SinkScratch(4);

export type WireUsage = Record<string, { fast: number; portable: number }>;

/** An error as it crosses the thread boundary (classes do not survive structured clone). */
export interface WireError {
  readonly integrity: boolean;
  /** an UnsupportedFormatError (e.g. an unknown compression header) */
  readonly unsupported?: boolean;
  readonly name: string;
  readonly message: string;
  readonly data?: Record<string, unknown>;
  readonly cause?: string;
}

export interface WireInit<Init> {
  readonly kind: 'init';
  readonly init: Init;
}

export interface WireRun<Item> {
  readonly kind: 'run';
  readonly id: number;
  readonly data: ArrayBuffer;
  readonly items: readonly Item[];
  readonly crypto: CryptoPreference;
}

export type WireReply =
  | {
      readonly id: number;
      readonly ok: true;
      /** every plaintext, back to back; item i is data[ends[i-1] ?? 0, ends[i]) */
      readonly data: ArrayBuffer;
      readonly ends: readonly number[];
      readonly usage: WireUsage;
      readonly notes?: readonly unknown[];
    }
  | {
      readonly id: number;
      readonly ok: false;
      readonly error: WireError;
      readonly usage: WireUsage;
      readonly notes?: readonly unknown[];
    };

/**
 * The main thread's error for a worker's failure: IntegrityError (or UnsupportedFormatError) as
 * inline decoding throws it.
 */
export function errorFromWire(e: WireError): Error {
  const cause = e.cause !== undefined ? { cause: new Error(e.cause) } : undefined;
  if (e.integrity) return new IntegrityError(e.message, e.data ?? {}, cause);
  if (e.unsupported) return new UnsupportedFormatError(e.message, e.data ?? {}, cause);
  const err = new Error(e.message, cause);
  err.name = e.name;
  return err;
}

/**
 * Default worker count: one per core beyond the main thread's, up to 4; none on one core.
 * On 2 cores one worker was a loss while the main thread also made every restored file's
 * syscalls; since those run in the native batch writer (ops/restore), the freed main thread and
 * one worker restore faster (restic, 2 cores, tmpfs, medians of 4: 20,000 small files 2.63 →
 * 2.44 s, mixed 2.31 → 2.17 s, one 537 MB file 1.59 → 1.51 s; +30 MB peak RSS).
 * SALVAGE_DECODE_THREADS overrides.
 */
export function defaultDecodeThreads(): number {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
    ?.env?.SALVAGE_DECODE_THREADS;
  if (env !== undefined && /^\d+$/.test(env)) return Number(env);
  const n = cores();
  return n <= 1 ? 0 : Math.min(n - 1, 4);
}

export interface RunPoolOptions {
  /** worker threads (default defaultDecodeThreads()); 0 decodes inline */
  threads?: number;
  /** runs in flight per worker (default 2: one decoding, one waiting in its queue) */
  queuePerWorker?: number;
  /**
   * let the calling thread decode a run itself when every worker is full (default false: the
   * run waits for a worker); see `busy`
   */
  inlineWhenBusy?: boolean;
  /**
   * stored bytes decoded on the calling thread before any worker starts (default
   * DEFAULT_INLINE_FIRST_BYTES): a worker's start costs a small job more than it saves
   */
  inlineFirstBytes?: number;
}

/**
 * A worker's start is ~100 ms and ~0.15 s of CPU (an isolate, the decoder's modules, their
 * WebAssembly, its JIT warming up) on the core the file system's threads also need. Restoring
 * the fixtures (4 and 12 MB) on 2 cores, tmpfs, medians of 7: without workers restic-v1 0.60 ->
 * 0.57 s, kopia-default 0.77 -> 0.68 s. Larger jobs still gain from them, so they start once
 * this much has been decoded here.
 */
export const DEFAULT_INLINE_FIRST_BYTES = 16 << 20;

/** A decoded run: every plaintext back to back in `data`, item i ending at `ends[i]`. */
export interface RunOutput {
  readonly data: ArrayBuffer;
  readonly ends: readonly number[];
}

/** the plaintexts of a decoded run, as views of its buffer */
function cutRun(data: ArrayBuffer, ends: readonly number[]): Uint8Array[] {
  const all = new Uint8Array(data);
  return ends.map((end, i) => all.subarray(i === 0 ? 0 : ends[i - 1], end));
}

/**
 * A lone plaintext as a buffer that can be transferred: its own when it starts it and fills all
 * but a little of it (the zstd in-place path leaves the frame's few header bytes at the end;
 * the reply's `ends` cut it off), else a copy. Never a small one: those may share Node's pool.
 */
export function ownBuffer(plain: Uint8Array): ArrayBuffer {
  const buf = plain.buffer;
  if (
    buf instanceof ArrayBuffer &&
    plain.byteOffset === 0 &&
    plain.byteLength >= 64 * 1024 &&
    buf.byteLength - plain.byteLength <= 64 * 1024
  )
    return buf;
  return plain.slice().buffer;
}

/** Where an item's stored bytes lie in its run's buffer; formats add what it must be. */
export interface RunItem {
  readonly offset: number;
  readonly length: number;
  /**
   * where its plaintext is written by the thread that decodes it (util/sinks.ts); the item then
   * comes back empty (SUNK)
   */
  readonly sinks?: readonly Sink[];
}

/** What a format supplies to the pool. */
export interface RunPoolSpec<Init, Item extends RunItem> {
  /** the pool's name in its errors, e.g. 'DecodePool' */
  readonly name: string;
  /** a worker's name in its errors, e.g. 'restic decode worker' */
  readonly what: string;
  /** the compiled worker entry (util/worker-script.ts), undefined when there is none */
  readonly script: string | undefined;
  /** sent to each worker once, first */
  readonly init: Init;
  /** a run, for the error when its worker dies: e.g. 'pack P, run of 3 blobs from data blob B' */
  readonly describe: (items: readonly Item[]) => string;
  /** notes a worker sent with a reply (before its run resolves or rejects) */
  readonly onNotes?: (notes: readonly unknown[]) => void;
}

interface Pending<Item extends RunItem> {
  data: Uint8Array;
  items: readonly Item[];
  resolve: (plains: Uint8Array[]) => void;
  reject: (error: Error) => void;
}

interface Slot<Item extends RunItem> {
  worker: Worker;
  runs: Map<number, Pending<Item>>;
}

/** an ArrayBuffer holding exactly `data`'s bytes that may be transferred (detached) */
function transferable(data: Uint8Array): ArrayBuffer {
  const buf = data.buffer;
  if (buf instanceof ArrayBuffer && data.byteOffset === 0 && data.byteLength === buf.byteLength)
    return buf;
  return new Uint8Array(data).buffer;
}

function addUsage(usage: WireUsage): void {
  for (const [k, v] of Object.entries(usage)) {
    const u = (cryptoUsage[k] ??= { fast: 0, portable: 0 });
    u.fast += v.fast;
    u.portable += v.portable;
  }
}

export class RunPool<Init, Item extends RunItem> {
  /** true when runs decode in worker threads (false = the caller decodes inline) */
  readonly threaded: boolean;
  readonly threads: number;
  /** runs decoded by workers and inline (the inline fallback), items in them */
  readonly stats = { threadedRuns: 0, inlineRuns: 0, items: 0 };
  private readonly perWorker: number;
  private readonly inlineWhenBusy: boolean;
  /** stored bytes still to decode on the calling thread before runs go to workers */
  private inlineLeft: number;
  private slots: Slot<Item>[] = [];
  private readonly waiting: Pending<Item>[] = [];
  private nextId = 1;
  private closed = false;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly spec: RunPoolSpec<Init, Item>,
    options: RunPoolOptions = {},
  ) {
    this.threads = Math.max(0, Math.floor(options.threads ?? defaultDecodeThreads()));
    this.perWorker = Math.max(1, options.queuePerWorker ?? 2);
    this.inlineWhenBusy = options.inlineWhenBusy ?? false;
    this.inlineLeft = Math.max(0, options.inlineFirstBytes ?? DEFAULT_INLINE_FIRST_BYTES);
    this.threaded = this.threads > 0 && workerThreads() !== undefined && spec.script !== undefined;
  }

  /**
   * Decodes one run: its items' stored bytes lie in `data` (`offset`, `length`). On the calling
   * thread, item by item with `decodeOne` (the decoder a worker runs; each plaintext keeps its
   * own buffer here: a run buffer would only pay for a transfer), when there are no
   * workers or, with `inlineWhenBusy`, while every worker has `queuePerWorker` runs in flight (so
   * the calling thread shares the work instead of waiting idle); else in a worker, where `data`
   * is transferred (detached here afterwards) when it spans its whole ArrayBuffer, and copied
   * first otherwise. Resolves with the plaintexts in order, or rejects with the first item's
   * failure. An item with sinks is written to them by the thread that decodes it and comes back
   * empty; inline, `decodeOne` is then given `into`, a reused buffer of the sinks' length, to
   * decode into where it can.
   */
  protected async decodeItems(
    data: Uint8Array,
    items: readonly Item[],
    decodeOne: (item: Item, stored: Uint8Array, into?: Uint8Array) => Promise<Uint8Array>,
  ): Promise<Uint8Array[]> {
    if (this.closed) throw new Error(`${this.spec.name}.decode after close()`);
    this.stats.items += items.length;
    const early = this.inlineLeft > 0;
    this.inlineLeft = Math.max(0, this.inlineLeft - data.length);
    if (early || this.inline()) {
      this.stats.inlineRuns++;
      const out: Uint8Array[] = [];
      for (const item of items) {
        const stored = data.subarray(item.offset, item.offset + item.length);
        if (!item.sinks || item.sinks.length === 0) {
          out.push(await decodeOne(item, stored));
          continue;
        }
        // into a reused buffer, written at once: its plaintext never needs a buffer of its own
        const length = item.sinks[0]!.length;
        const scratch = inlineScratch.take(length);
        try {
          const plain = await decodeOne(item, stored, scratch.buf.subarray(0, length));
          await writeSinksAsync(plain, item.sinks, this.spec.describe([item]));
        } finally {
          scratch.release();
        }
        out.push(SUNK);
      }
      return out;
    }
    this.stats.threadedRuns++;
    return new Promise<Uint8Array[]>((resolve, reject) => {
      this.waiting.push({ data, items, resolve, reject });
      this.pump();
    });
  }

  private inline(): boolean {
    if (!this.threaded) return true;
    if (!this.inlineWhenBusy || this.slots.length < this.threads) return false;
    return this.slots.every((s) => s.runs.size >= this.perWorker);
  }

  /**
   * The caller expects much work (more than `inlineFirstBytes`): the workers start now instead
   * of with the first run past it, so their start-up (~100 ms: a V8 isolate, then the decoder's
   * modules) overlaps the caller's own work, such as walking the trees of a restore, rather than
   * delaying its chunks; runs go to them from now on. Idle workers keep nobody alive.
   */
  warm(): void {
    if (!this.threaded || this.closed) return;
    this.inlineLeft = 0;
    while (this.slots.length < this.threads) this.slots.push(this.start());
  }

  /** terminates the workers; runs in flight or waiting are rejected. Idempotent. */
  close(): Promise<void> {
    if (!this.closing) {
      this.closed = true;
      const slots = this.slots;
      this.slots = [];
      for (const p of this.waiting.splice(0))
        p.reject(new Error(`${this.spec.name} closed with runs waiting to decode`));
      this.closing = Promise.all(slots.map((s) => s.worker.terminate())).then(() => undefined);
    }
    return this.closing;
  }

  /** sends waiting runs to the least busy workers with room */
  private pump(): void {
    while (this.waiting.length > 0 && !this.closed) {
      while (this.slots.length < this.threads) this.slots.push(this.start());
      let best: Slot<Item> | undefined;
      for (const s of this.slots)
        if (s.runs.size < this.perWorker && (!best || s.runs.size < best.runs.size)) best = s;
      if (!best) return;
      this.send(best, this.waiting.shift()!);
    }
  }

  private send(slot: Slot<Item>, p: Pending<Item>): void {
    const id = this.nextId++;
    let buffer = transferable(p.data);
    const post = (): void => {
      const msg: WireRun<Item> = {
        kind: 'run',
        id,
        data: buffer,
        items: p.items,
        crypto: cryptoPreference(),
      };
      slot.worker.postMessage(msg, [buffer]);
    };
    try {
      try {
        post();
      } catch (e) {
        // some buffers cannot be detached (e.g. WebAssembly memory): send a copy instead
        if ((e as Error).name !== 'DataCloneError') throw e;
        buffer = new Uint8Array(p.data).buffer;
        post();
      }
    } catch (e) {
      p.reject(e as Error);
      return;
    }
    if (slot.runs.size === 0) slot.worker.ref();
    slot.runs.set(id, p);
  }

  private start(): Slot<Item> {
    // no inherited node flags: the worker runs plain compiled JS, and some flags break it
    const worker = new (workerThreads()!.Worker)(this.spec.script!, { execArgv: [] });
    const slot: Slot<Item> = { worker, runs: new Map() };
    const init: WireInit<Init> = { kind: 'init', init: this.spec.init };
    worker.postMessage(init);
    worker.on('message', (reply: WireReply) => {
      const p = slot.runs.get(reply.id);
      if (!p) return;
      slot.runs.delete(reply.id);
      if (slot.runs.size === 0) worker.unref();
      addUsage(reply.usage);
      if (reply.notes?.length) this.spec.onNotes?.(reply.notes);
      if (reply.ok) p.resolve(cutRun(reply.data, reply.ends));
      else p.reject(errorFromWire(reply.error));
      this.pump();
    });
    onWorkerLost(
      worker,
      this.spec.what,
      `${this.spec.name} closed with runs decoding`,
      () => this.closed,
      (m) => this.lost(slot, m),
    );
    worker.unref();
    return slot;
  }

  /** drops a dead worker (a new one starts for the next run) and fails its runs */
  private lost(slot: Slot<Item>, message: string): void {
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    const runs = [...slot.runs.values()];
    slot.runs.clear();
    for (const p of runs)
      p.reject(new Error(`${message}; ${this.spec.describe(p.items)} not decoded`));
    if (!this.closed) {
      void slot.worker.terminate();
      this.pump();
    }
  }
}
