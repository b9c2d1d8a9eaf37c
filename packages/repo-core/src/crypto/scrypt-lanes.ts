/**
 * scrypt's p lanes (RFC 7914 §6 step 2: B_i = ROMix(B_i)), which are independent, on up to
 * min(p, cores) threads: the calling thread and workers (scrypt-worker.ts), all running the
 * WebAssembly ROMix of scrypt-romix.ts.
 *
 * Lanes are handed out through a shared counter rather than split up front: a worker needs
 * ~45 ms to start here (a lane of N=2^15 r=8 takes ~55 ms), so the calling thread starts on lane
 * 0 at once and each thread takes the next lane when it is free. On 2 cores, p=4 then runs about
 * as main 2 + worker 2, p=3 as main 2 + worker 1, and a worker that starts after the last lane
 * was taken is ended unused. Workers read their lanes from a SharedArrayBuffer copy of B and
 * write results there, flagging each lane done after its bytes; the calling thread works on B
 * itself. A worker that fails (cannot start, crashes, exits) leaves its lanes unflagged, and the
 * calling thread computes them from B, which still holds their input: same result, just later.
 *
 * Workers are started per derivation and never outlive it: one still starting is terminated,
 * one done exits on its own, and none is unref'ed while a lane it holds is awaited.
 * Each thread holds 128·r·(N+2) bytes of scratch; the threads are capped so that all of them
 * together stay within PARALLEL_MEMORY.
 */

import type { Worker } from 'node:worker_threads';

import { cores, workerScript, workerThreads } from '../util/worker-script.js';
import { romixModule, RomixRunner } from './scrypt-romix.js';

/** what a scrypt worker is started with (workerData) */
export interface ScryptWorkerData {
  module: WebAssembly.Module;
  simd: boolean;
  r: number;
  N: number;
  p: number;
  /** Int32 next-lane counter, then p bytes of lane flags (0 open, 1 done by a worker) */
  control: SharedArrayBuffer;
  /** B: p lanes of 128·r bytes */
  data: SharedArrayBuffer;
}

/** flag of a lane the calling thread computed (into B itself) */
const DONE_HERE = 2;

/** Scratch memory all threads together may hold; beyond it, fewer threads. */
export const PARALLEL_MEMORY = 2 ** 30;

/** Below this much ROMix work (p·N·r) a worker's start costs more than it saves. */
export const PARALLEL_MIN_WORK = 2 ** 17;

export interface LaneOptions {
  /** threads in all, the calling one included (default: defaultScryptThreads) */
  threads?: number;
  /** the worker script (default: the compiled scrypt-worker.js; tests pass failing ones) */
  script?: string;
}

/** min(p, cores) threads where the work pays for a worker and memory allows, else 1 */
export function defaultScryptThreads(r: number, N: number, p: number): number {
  if (p < 2 || p * N * r < PARALLEL_MIN_WORK) return 1;
  const byMemory = Math.floor(PARALLEL_MEMORY / (128 * r * (N + 2)));
  return Math.max(1, Math.min(p, cores(), byMemory));
}

/**
 * ROMix every lane of `B` (p lanes of 128·r bytes) in place. Resolves to the number of lanes
 * workers computed. Throws where the WebAssembly path cannot run (no WebAssembly, no memory
 * for the calling thread's scratch); callers fall back to another scrypt.
 */
export async function romixLanes(
  B: Uint8Array,
  r: number,
  N: number,
  p: number,
  options: LaneOptions = {},
): Promise<number> {
  const romix = romixModule();
  if (!romix) throw new Error('scrypt: no WebAssembly here');
  const laneBytes = 128 * r;
  const lane = (i: number) => B.subarray(i * laneBytes, (i + 1) * laneBytes);
  const threads = Math.min(options.threads ?? defaultScryptThreads(r, N, p), p);
  const wt = threads > 1 ? workerThreads() : undefined;
  const script = wt && (options.script ?? workerScript(import.meta.url, 'scrypt-worker.js'));
  if (!wt || !script) {
    const runner = new RomixRunner(r, N, romix);
    for (let i = 0; i < p; i++) runner.run(lane(i));
    return 0;
  }

  const control = new SharedArrayBuffer(4 + p);
  const next = new Int32Array(control, 0, 1);
  const flags = new Uint8Array(control, 4, p);
  const data = new SharedArrayBuffer(B.length);
  new Uint8Array(data).set(B);
  const workerData: ScryptWorkerData = { ...romix, r, N, p, control, data };
  const workers: Worker[] = [];
  // every worker gets its own error listener: a failed one is simply not waited for
  const gone = new Set<Worker>();
  let changed: () => void = () => {};
  for (let t = 1; t < threads; t++) {
    try {
      // no inherited node flags: the worker runs plain compiled JS (see decode-pool.ts)
      const w = new wt.Worker(script, { execArgv: [], workerData, name: 'salvage scrypt' });
      workers.push(w);
      w.on('message', () => changed());
      const lost = () => {
        gone.add(w);
        changed();
      };
      w.on('error', lost);
      w.on('messageerror', lost);
      w.on('exit', lost);
    } catch {
      break; // no more workers: the calling thread takes their lanes
    }
  }
  const allDone = () => flags.every((_, i) => Atomics.load(flags, i) !== 0);
  const end = () => {
    for (const w of workers) {
      w.unref();
      if (!gone.has(w)) w.terminate().catch(() => {});
    }
  };

  let runner: RomixRunner | undefined;
  try {
    for (;;) {
      const i = Atomics.add(next, 0, 1);
      if (i >= p) break;
      runner ??= new RomixRunner(r, N, romix);
      runner.run(lane(i));
      Atomics.store(flags, i, DONE_HERE);
    }
    // lanes still running in workers: wait for them to be flagged, or for their workers to fail
    await new Promise<void>((resolve) => {
      changed = () => {
        if (allDone() || gone.size === workers.length) resolve();
      };
      changed();
    });
    end();
    let inWorkers = 0;
    const shared = new Uint8Array(data);
    for (let i = 0; i < p; i++) {
      const flag = Atomics.load(flags, i);
      if (flag === DONE_HERE) continue;
      if (flag === 0) {
        // its worker failed: B still holds the lane's input
        runner ??= new RomixRunner(r, N, romix);
        runner.run(lane(i));
        continue;
      }
      lane(i).set(shared.subarray(i * laneBytes, (i + 1) * laneBytes));
      inWorkers++;
    }
    return inWorkers;
  } catch (e) {
    end();
    throw e;
  }
}
