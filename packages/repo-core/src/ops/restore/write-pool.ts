/**
 * Writes restored small files (write-jobs.ts) off the main thread, so the kernel work of creating,
 * writing, owning, chmod-ing, timing and renaming thousands of files runs beside the main thread's
 * reading and decrypting instead of inside it, as restic's writer goroutines do. Profiled on a
 * 20,000-file restore, those synchronous calls held the main thread for ~0.6 s of 3.3 s.
 *
 * Three ways, picked once per pool (`via`):
 * - native: the helper's batch writer (native/posix.c) runs each group on a libuv threadpool
 *   thread; the files' own buffers are used in place. Preferred whenever the helper has it, also
 *   where there are cores for JS workers: it does strictly less work than a worker (no job
 *   encoding, no copy into a transferable buffer, no second V8 heap to start and feed), and
 *   groups already run in parallel on up to UV_THREADPOOL_SIZE threads. Measured on 2 cores
 *   (20,000 small files into tmpfs, medians of 4, alternating): restic 3.57 -> 2.94 s, kopia
 *   3.67 -> 2.97 s against inline writes, main-thread CPU -0.8 s; one JS worker was slower than
 *   native (3.90 vs 3.38 s, +17 MB RSS) on a busy machine. Into ext4 the parallel groups matter
 *   most: 11.8-13.2 -> 8.4-9.3 s, and one group at a time took 14.8-17.6 s, so groups are not
 *   limited here beyond the threadpool.
 * - workers: JS worker threads (write-worker.ts) running writeJobsSync. Each batch's bytes are
 *   copied into ONE new buffer that is transferred (never a structured clone of a view, which
 *   would copy the whole buffer under it); a batch goes to the worker with the fewest jobs in
 *   flight. Workers start on the first write, are unref'ed while idle so they never keep the
 *   process alive, and end with close(). A worker that dies rejects its batches and is replaced
 *   on the next write.
 * - inline: writeJobsSync on the main thread (no helper, and `threads: 0` or no compiled worker
 *   script).
 */

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { onWorkerLost, workerScript } from '../../util/worker-script.js';
import {
  encodeJob,
  nativeWriter,
  writeJobsNative,
  writeJobsSync,
  type NativeWriter,
  type WireBatch,
  type WireReply,
  type WriteJob,
  type WriteResult,
} from './write-jobs.js';

export type { WriteJob, WriteResult } from './write-jobs.js';

/** The compiled worker script (util/worker-script.ts), undefined when there is none. */
export function writeWorkerScript(): string | undefined {
  return workerScript(import.meta.url, 'write-worker.js');
}

interface Batch {
  jobs: number;
  resolve: (results: WriteResult[]) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  /** jobs in flight, the load measure for picking a worker */
  jobs: number;
  batches: Map<number, Batch>;
}

export type WriteVia = 'native' | 'workers' | 'inline';

export interface WritePoolOptions {
  /** JS worker threads when there is no native writer; 0: inline. Default: min(2, cores) */
  threads?: number;
  /**
   * the native batch writer: default when the helper has it; false: never; true: required (the
   * constructor throws without it, so a test cannot silently take another path)
   */
  native?: boolean;
}

export class WritePool {
  /** which way jobs are written (see the header) */
  readonly via: WriteVia;
  private readonly native: NativeWriter | null;
  private readonly threads: number;
  private readonly script: string | undefined;
  private slots: Slot[] = [];
  private nextId = 1;
  private closed = false;
  private closing: Promise<void> | undefined;

  constructor(options: WritePoolOptions = {}) {
    this.native = options.native === false ? null : nativeWriter();
    if (options.native === true && !this.native) {
      throw new Error(
        'WritePool: the native batch writer is missing: run ' +
          'packages/repo-core/src/ops/restore/native/build.sh (needs a C compiler)',
      );
    }
    const threads = Math.floor(options.threads ?? Math.min(2, availableParallelism()));
    this.threads = this.native ? 0 : Math.max(0, threads);
    this.script = this.threads > 0 ? writeWorkerScript() : undefined;
    this.via = this.native ? 'native' : this.script ? 'workers' : 'inline';
  }

  /**
   * Writes a group of files; resolves with one result per job, in order. The jobs' buffers are
   * used in place by the native writer: leave them unchanged until this settles. For workers they
   * are copied into one new buffer, which is transferred.
   */
  async write(jobs: readonly WriteJob[]): Promise<WriteResult[]> {
    if (this.closed) throw new Error('WritePool.write after close()');
    if (jobs.length === 0) return [];
    if (this.native) return writeJobsNative(jobs, this.native);
    if (!this.script) return writeJobsSync(jobs);
    const data = new Uint8Array(jobs.reduce((n, j) => n + j.data.length, 0));
    let offset = 0;
    const wire = jobs.map((job) => {
      const w = encodeJob(job, offset);
      data.set(job.data, offset);
      offset += job.data.length;
      return w;
    });
    const slot = this.leastBusy();
    const id = this.nextId++;
    return new Promise<WriteResult[]>((resolve, reject) => {
      try {
        const batch: WireBatch = { id, jobs: wire, data: data.buffer };
        slot.worker.postMessage(batch, [data.buffer]);
      } catch (e) {
        reject(e as Error);
        return;
      }
      if (slot.batches.size === 0) slot.worker.ref();
      slot.batches.set(id, { jobs: jobs.length, resolve, reject });
      slot.jobs += jobs.length;
    });
  }

  /**
   * terminates the workers; their batches still in flight are rejected (native groups in flight
   * finish: their syscalls cannot be stopped). Idempotent.
   */
  close(): Promise<void> {
    if (!this.closing) {
      this.closed = true;
      const slots = this.slots;
      this.slots = [];
      this.closing = Promise.all(slots.map((s) => s.worker.terminate())).then(() => undefined);
    }
    return this.closing;
  }

  private leastBusy(): Slot {
    while (this.slots.length < this.threads) this.slots.push(this.start());
    let best = this.slots[0]!;
    for (const s of this.slots) if (s.jobs < best.jobs) best = s;
    return best;
  }

  private start(): Slot {
    // no inherited node flags: the worker runs plain compiled JS, and some flags break it (started
    // with `node --input-type=module -e ...`, a worker inheriting --input-type fails to load)
    const worker = new Worker(this.script!, { execArgv: [] });
    const slot: Slot = { worker, jobs: 0, batches: new Map() };
    worker.on('message', (reply: WireReply) => {
      const batch = slot.batches.get(reply.id);
      if (!batch) return;
      slot.batches.delete(reply.id);
      slot.jobs -= batch.jobs;
      if (slot.batches.size === 0) worker.unref();
      batch.resolve(reply.results);
    });
    onWorkerLost(
      worker,
      'restore write worker',
      'WritePool closed with writes in flight',
      () => this.closed,
      (m) => this.lost(slot, m),
    );
    worker.unref();
    return slot;
  }

  /** drops a dead worker (the next write starts a new one) and fails its batches */
  private lost(slot: Slot, message: string): void {
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    if (slot.batches.size === 0) return;
    const batches = [...slot.batches.values()];
    slot.batches.clear();
    slot.jobs = 0;
    for (const b of batches) {
      b.reject(new Error(`${message}; a batch of ${b.jobs} files may be partly written`));
    }
    if (!this.closed) void slot.worker.terminate();
  }
}
