/**
 * A pool of worker threads that verify and decode runs of restic data blobs (decode-worker.ts
 * runs pack.ts decodeBlob: Poly1305-AES MAC, AES-256-CTR, zstd, SHA-256 against the id), so
 * several runs decode at once beside the main thread, as restic decodes packs in goroutines.
 * Profiled restoring one 537 MB file, that work held the main thread for ~1.9 s, blob by blob.
 *
 * A run's stored bytes travel to a worker as ONE transferred ArrayBuffer (copied first when the
 * view does not own its whole buffer), and its plaintexts come back as one transferred
 * ArrayBuffer cut at the returned ends. The key goes to each worker once, when it starts; each
 * run carries the crypto path preference (crypto/select.ts) and brings back the worker's
 * `cryptoUsage` counts, which are added to this thread's. A blob that fails comes back as the
 * same IntegrityError (message, data) inline decoding throws. At most `queuePerWorker` runs are
 * in flight per worker; more wait here, in order. Workers start on first use, are unref'ed while
 * idle (never keeping the process alive) and end with close(); a worker that dies fails its runs
 * and is replaced on the next one. Without a compiled worker script, or with 0 threads, runs
 * decode inline with the same decodeBlob.
 */

import type { Worker } from 'node:worker_threads';

import { cryptoPreference, cryptoUsage, type CryptoPreference } from '../crypto/select.js';
import { IntegrityError } from '../errors.js';
import { cores, onWorkerLost, workerScript, workerThreads } from '../util/worker-script.js';
import type { BlobLocation } from './blob-index.js';
import type { ResticKey } from './crypto.js';
import { decodeBlob, type BlobRef } from './pack.js';

/** One blob of a run: where its stored bytes lie in the run's buffer, and what it must be. */
export interface WireBlob extends BlobRef {
  readonly offset: number;
  readonly length: number;
}

export interface WireKey {
  readonly kind: 'key';
  readonly enc: Uint8Array;
  readonly macK: Uint8Array;
  readonly macR: Uint8Array;
}

export interface WireRun {
  readonly kind: 'run';
  readonly id: number;
  readonly data: ArrayBuffer;
  readonly blobs: readonly WireBlob[];
  readonly crypto: CryptoPreference;
}

export type WireUsage = Record<string, { fast: number; portable: number }>;

export type WireReply =
  | {
      readonly id: number;
      readonly ok: true;
      /** every plaintext, back to back; blob i is data[ends[i-1] ?? 0, ends[i]) */
      readonly data: ArrayBuffer;
      readonly ends: readonly number[];
      readonly usage: WireUsage;
    }
  | {
      readonly id: number;
      readonly ok: false;
      readonly error: WireError;
      readonly usage: WireUsage;
    };

/** An error as it crosses the thread boundary (classes do not survive structured clone). */
export interface WireError {
  readonly integrity: boolean;
  readonly name: string;
  readonly message: string;
  readonly data?: Record<string, unknown>;
  readonly cause?: string;
}

/** The main thread's error for a worker's failure: IntegrityError as decodeBlob throws it. */
export function errorFromWire(e: WireError): Error {
  const cause = e.cause !== undefined ? { cause: new Error(e.cause) } : undefined;
  if (e.integrity) return new IntegrityError(e.message, e.data ?? {}, cause);
  const err = new Error(e.message, cause);
  err.name = e.name;
  return err;
}

/**
 * Default worker count: one per core beyond the main thread's, up to 4; none on one core.
 * On 2 cores one worker was a loss while the main thread also made every restored file's
 * syscalls; since those run in the native batch writer (ops/restore), the freed main thread and
 * one worker restore faster (2 cores, tmpfs, medians of 4: 20,000 small files 2.63 → 2.44 s,
 * mixed 2.31 → 2.17 s, one 537 MB file 1.59 → 1.51 s; +30 MB peak RSS).
 * SALVAGE_DECODE_THREADS overrides.
 */
export function defaultDecodeThreads(): number {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
    ?.env?.SALVAGE_DECODE_THREADS;
  if (env !== undefined && /^\d+$/.test(env)) return Number(env);
  const n = cores();
  return n <= 1 ? 0 : Math.min(n - 1, 4);
}

/** The compiled worker script (util/worker-script.ts), undefined when there is none. */
export function decodeWorkerScript(): string | undefined {
  return workerScript(import.meta.url, 'decode-worker.js');
}

interface Pending {
  data: Uint8Array;
  blobs: WireBlob[];
  resolve: (plains: Uint8Array[]) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  runs: Map<number, Pending>;
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

export interface DecodePoolOptions {
  /** worker threads (default defaultDecodeThreads()); 0 decodes inline */
  threads?: number;
  /** runs in flight per worker (default 2: one decoding, one waiting in its queue) */
  queuePerWorker?: number;
}

export class DecodePool {
  /** true when runs decode in worker threads (false = inline fallback) */
  readonly threaded: boolean;
  readonly threads: number;
  /** runs decoded by workers and inline (the inline fallback), blobs in them */
  readonly stats = { threadedRuns: 0, inlineRuns: 0, blobs: 0 };
  private readonly perWorker: number;
  private readonly script: string | undefined;
  private slots: Slot[] = [];
  private readonly waiting: Pending[] = [];
  private nextId = 1;
  private closed = false;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly key: ResticKey,
    options: DecodePoolOptions = {},
  ) {
    this.threads = Math.max(0, Math.floor(options.threads ?? defaultDecodeThreads()));
    this.perWorker = Math.max(1, options.queuePerWorker ?? 2);
    this.script = this.threads > 0 && workerThreads() ? decodeWorkerScript() : undefined;
    this.threaded = this.script !== undefined;
  }

  /**
   * Verify and decode the blobs of `run`, whose stored bytes are `data` starting at pack offset
   * `start`. Resolves with their plaintexts in order, or rejects with the first blob's failure.
   * When threaded and `data` spans its whole ArrayBuffer, that buffer is transferred (detached
   * here afterwards); otherwise it is copied first.
   */
  async decode(
    data: Uint8Array,
    start: number,
    run: readonly BlobLocation[],
  ): Promise<Uint8Array[]> {
    if (this.closed) throw new Error('DecodePool.decode after close()');
    this.stats.blobs += run.length;
    if (!this.threaded) {
      this.stats.inlineRuns++;
      const out: Uint8Array[] = [];
      for (const loc of run)
        out.push(
          await decodeBlob(
            this.key,
            data.subarray(loc.offset - start, loc.offset - start + loc.length),
            loc,
          ),
        );
      return out;
    }
    const blobs = run.map(
      (l): WireBlob => ({
        id: l.id,
        type: l.type,
        packId: l.packId,
        uncompressedLength: l.uncompressedLength,
        offset: l.offset - start,
        length: l.length,
      }),
    );
    this.stats.threadedRuns++;
    return new Promise<Uint8Array[]>((resolve, reject) => {
      this.waiting.push({ data, blobs, resolve, reject });
      this.pump();
    });
  }

  /** terminates the workers; runs in flight or waiting are rejected. Idempotent. */
  close(): Promise<void> {
    if (!this.closing) {
      this.closed = true;
      const slots = this.slots;
      this.slots = [];
      for (const p of this.waiting.splice(0))
        p.reject(new Error('DecodePool closed with runs waiting to decode'));
      this.closing = Promise.all(slots.map((s) => s.worker.terminate())).then(() => undefined);
    }
    return this.closing;
  }

  /** sends waiting runs to the least busy workers with room */
  private pump(): void {
    while (this.waiting.length > 0 && !this.closed) {
      while (this.slots.length < this.threads) this.slots.push(this.start());
      let best: Slot | undefined;
      for (const s of this.slots)
        if (s.runs.size < this.perWorker && (!best || s.runs.size < best.runs.size)) best = s;
      if (!best) return;
      this.send(best, this.waiting.shift()!);
    }
  }

  private send(slot: Slot, p: Pending): void {
    const id = this.nextId++;
    let buffer = transferable(p.data);
    const post = (): void => {
      const msg: WireRun = {
        kind: 'run',
        id,
        data: buffer,
        blobs: p.blobs,
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

  private start(): Slot {
    // no inherited node flags: the worker runs plain compiled JS, and some flags break it
    const worker = new (workerThreads()!.Worker)(this.script!, { execArgv: [] });
    const slot: Slot = { worker, runs: new Map() };
    const key: WireKey = {
      kind: 'key',
      enc: this.key.enc,
      macK: this.key.macK,
      macR: this.key.macR,
    };
    worker.postMessage(key);
    worker.on('message', (reply: WireReply) => {
      const p = slot.runs.get(reply.id);
      if (!p) return;
      slot.runs.delete(reply.id);
      if (slot.runs.size === 0) worker.unref();
      addUsage(reply.usage);
      if (reply.ok) {
        const all = new Uint8Array(reply.data);
        p.resolve(reply.ends.map((end, i) => all.subarray(i === 0 ? 0 : reply.ends[i - 1], end)));
      } else p.reject(errorFromWire(reply.error));
      this.pump();
    });
    onWorkerLost(
      worker,
      'restic decode worker',
      'DecodePool closed with runs decoding',
      () => this.closed,
      (m) => this.lost(slot, m),
    );
    worker.unref();
    return slot;
  }

  /** drops a dead worker (a new one starts for the next run) and fails its runs */
  private lost(slot: Slot, message: string): void {
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    const runs = [...slot.runs.values()];
    slot.runs.clear();
    for (const p of runs) {
      const first = p.blobs[0]!;
      p.reject(
        new Error(
          `${message}; pack ${first.packId}, run of ${p.blobs.length} blobs from ${first.type} blob ${first.id} not decoded`,
        ),
      );
    }
    if (!this.closed) {
      void slot.worker.terminate();
      this.pump();
    }
  }
}
