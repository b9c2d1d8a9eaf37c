/**
 * A pool of worker threads that write restored small files (write-jobs.ts), so the kernel work of
 * creating, writing, owning, chmod-ing, timing and renaming thousands of files runs beside the
 * main thread's reading and decrypting instead of inside it, as restic's writer goroutines do.
 * Profiled on a 20,000-file restore, those synchronous calls held the main thread for ~1.6 s.
 *
 * Each batch's bytes travel as ONE transferred ArrayBuffer (never a structured clone of a view,
 * which would copy the whole buffer under it); a batch goes to the worker with the fewest jobs in
 * flight. Workers start on the first write, are unref'ed while idle so they never keep the
 * process alive, and end with close(). A worker that dies rejects its batches and is replaced on
 * the next write. Without a compiled worker script (or with `threads: 0`) the same writeJobsSync
 * runs inline.
 */

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { workerScript } from '../../util/worker-script.js';
import {
  encodeJob,
  writeJobsSync,
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

/** an ArrayBuffer holding exactly `data`'s bytes that may be transferred (detached) */
function transferable(data: Uint8Array): ArrayBuffer {
  const buf = data.buffer;
  if (buf instanceof ArrayBuffer && data.byteOffset === 0 && data.byteLength === buf.byteLength) {
    return buf;
  }
  return new Uint8Array(data).buffer;
}

export class WritePool {
  /** true when jobs run in worker threads (false = inline fallback) */
  readonly threaded: boolean;
  private readonly threads: number;
  private readonly script: string | undefined;
  private slots: Slot[] = [];
  private nextId = 1;
  private closed = false;
  private closing: Promise<void> | undefined;

  constructor(options: { threads?: number } = {}) {
    this.threads = Math.max(0, Math.floor(options.threads ?? Math.min(2, availableParallelism())));
    this.script = this.threads > 0 ? writeWorkerScript() : undefined;
    this.threaded = this.script !== undefined;
  }

  /**
   * Writes a batch; `data` holds every job's bytes. Resolves with one result per job, in order.
   * When threaded and `data` spans its whole ArrayBuffer, that buffer is transferred to the worker
   * and is detached here afterwards (empty): hand over a buffer made for this batch. Otherwise
   * `data` is copied first.
   */
  async write(jobs: readonly WriteJob[], data: Uint8Array): Promise<WriteResult[]> {
    if (this.closed) throw new Error('WritePool.write after close()');
    if (jobs.length === 0) return [];
    if (!this.threaded) return writeJobsSync(jobs, data);
    const wire = jobs.map(encodeJob);
    const slot = this.leastBusy();
    const id = this.nextId++;
    let buffer = transferable(data);
    return new Promise<WriteResult[]>((resolve, reject) => {
      const post = (): void => {
        const batch: WireBatch = { id, jobs: wire, data: buffer };
        slot.worker.postMessage(batch, [buffer]);
      };
      try {
        try {
          post();
        } catch (e) {
          // some buffers cannot be detached (e.g. WebAssembly memory): send a copy instead
          if ((e as Error).name !== 'DataCloneError') throw e;
          buffer = new Uint8Array(data).buffer;
          post();
        }
      } catch (e) {
        reject(e as Error);
        return;
      }
      if (slot.batches.size === 0) slot.worker.ref();
      slot.batches.set(id, { jobs: jobs.length, resolve, reject });
      slot.jobs += jobs.length;
    });
  }

  /** terminates the workers; batches still in flight are rejected. Idempotent. */
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
    worker.on('error', (e) => this.lost(slot, `restore write worker crashed: ${e.message}`));
    worker.on('messageerror', (e) =>
      this.lost(slot, `restore write worker sent an unreadable reply: ${e.message}`),
    );
    worker.on('exit', (code) =>
      this.lost(
        slot,
        this.closed
          ? 'WritePool closed with writes in flight'
          : `restore write worker exited unexpectedly (code ${code})`,
      ),
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
