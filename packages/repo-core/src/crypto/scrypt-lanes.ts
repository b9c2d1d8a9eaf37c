/**
 * scrypt's p lanes (RFC 7914 §6 step 2: B_i = ROMix(B_i)), which are independent, on the calling
 * thread and, where they pay, workers (scrypt-worker.ts), all running the WebAssembly ROMix of
 * scrypt-romix.ts, two lanes interleaved at a time where they can (scryptLanePlan).
 *
 * Lanes are handed out through a shared counter rather than split up front: a worker needs
 * ~45 ms to start here (a pair of N=2^15 r=8 lanes takes ~70 ms), so the calling thread starts
 * at once and each thread takes the next lanes when it is free; a worker that starts after the
 * last lane was taken is ended unused. Workers read their lanes from a SharedArrayBuffer copy of
 * B and write results there, flagging each lane done after its bytes; the calling thread works
 * on B itself.
 *
 * The calling thread never waits for a worker: once no lane is left to take, it computes the
 * lanes workers still hold as well, in ~1 ms slices, and drops each as soon as its worker flags
 * it. A worker that fails (cannot start, crashes, exits) or stalls just never flags its lanes:
 * same key, at about the time of doing them here. Workers are unref'ed from the start,
 * terminated when the lanes are done, and never outlive the call.
 *
 * Each thread holds 128·r·(N+2) bytes of scratch per lane in flight (2 for a pair); pairs and
 * threads are capped so that all of them together stay within PARALLEL_MEMORY.
 */

import type { Worker } from 'node:worker_threads';

import { busyCores } from '../util/cpu-load.js';
import { cores, workerScript, workerThreads } from '../util/worker-script.js';
import { romixModule, RomixRunner, runClaimedLanes } from './scrypt-romix.js';

/** what a scrypt worker is started with (workerData) */
export interface ScryptWorkerData {
  module: WebAssembly.Module;
  simd: boolean;
  r: number;
  N: number;
  p: number;
  /** take two lanes at a time (RomixRunner.run2) */
  pairs: boolean;
  /** Int32 next-lane counter, then p bytes of lane flags (0 open, 1 done by a worker) */
  control: SharedArrayBuffer;
  /** B: p lanes of 128·r bytes */
  data: SharedArrayBuffer;
}

/** flag of a lane the calling thread computed (into B itself) */
const DONE_HERE = 2;

/** Scratch memory all threads together may hold; beyond it, fewer lanes at once. */
export const PARALLEL_MEMORY = 2 ** 30;

/**
 * Up to this much ROMix work (p·N·r), one thread. Restic's p=4 at N=2^15 r=8 is exactly this;
 * measured on 2 cores (fresh processes, medians of 5, other work idle): one thread of pairs
 * 227 ms, with a worker 206 ms, but `salvage cat config` of such a repository 0.40 s vs 0.42 s,
 * the worker's start and its own page faults (~45 + 43 ms) eating the gain. Beyond it a worker
 * pays: p=6 289 → 249 ms, p=8 362 → 280 ms, N=2^16 p=4 435 → 351 ms.
 */
export const PARALLEL_MAX_SOLO_WORK = 2 ** 20;

export interface LanePlan {
  /** threads in all, the calling one included */
  threads: number;
  /** each thread takes two lanes at a time while two are left */
  pairs: boolean;
}

/**
 * Two lanes at a time on each thread (two interleaved lanes take ~1.5× the time of one), on as
 * many threads as that leaves lanes for, up to the cores other processes leave idle
 * (util/cpu-load.ts, rounded), and one thread for work up to PARALLEL_MAX_SOLO_WORK. A worker only pays on a core of its own:
 * with 2 cores kept busy by other work, restic's p=4 took ~320-350 ms with one against
 * ~220-235 ms without. Where memory does not allow pairs on every thread, single lanes on more
 * threads. SALVAGE_SCRYPT_THREADS overrides cores, load and work (1: the calling thread only).
 */
export function scryptLanePlan(r: number, N: number, p: number, load = busyCores()): LanePlan {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
    ?.env?.SALVAGE_SCRYPT_THREADS;
  const wanted = env !== undefined && /^[1-9]\d*$/.test(env) ? Number(env) : undefined;
  const concurrent = Math.max(1, Math.floor(PARALLEL_MEMORY / (128 * r * (N + 2))));
  const idle = Math.max(1, Math.min(cores(), Math.round(cores() - load)));
  const cap = wanted ?? (p * N * r <= PARALLEL_MAX_SOLO_WORK ? 1 : idle);
  const threads = Math.min(cap, Math.ceil(p / 2));
  if (p >= 2 && 2 * threads <= concurrent) return { threads, pairs: true };
  // too big for pairs everywhere: more threads come first
  return { threads: Math.max(1, Math.min(cap, p, concurrent)), pairs: false };
}

export interface LaneOptions extends Partial<LanePlan> {
  /** the worker script (default: the compiled scrypt-worker.js; tests pass failing ones) */
  script?: string;
}

/**
 * ROMix every lane of `B` (p lanes of 128·r bytes) in place, as `scryptLanePlan` says unless
 * `options` say otherwise. Resolves to the number of lanes workers computed. Throws where the
 * WebAssembly path cannot run (no WebAssembly, no memory for the calling thread's scratch);
 * callers fall back to another scrypt.
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
  const plan = scryptLanePlan(r, N, p);
  const pairs = options.pairs ?? plan.pairs;
  const threads = Math.min(options.threads ?? plan.threads, p);
  const laneBytes = 128 * r;
  const lane = (i: number) => B.subarray(i * laneBytes, (i + 1) * laneBytes);
  let runner: RomixRunner | undefined;
  const here = () => (runner ??= new RomixRunner(r, N, romix));
  const wt = threads > 1 ? workerThreads() : undefined;
  const script = wt && (options.script ?? workerScript(import.meta.url, 'scrypt-worker.js'));
  if (!wt || !script) {
    runClaimedLanes(new Int32Array(1), p, pairs, here, lane, () => {});
    return 0;
  }

  const control = new SharedArrayBuffer(4 + p);
  const next = new Int32Array(control, 0, 1);
  const flags = new Uint8Array(control, 4, p);
  const data = new SharedArrayBuffer(B.length);
  new Uint8Array(data).set(B);
  const workerData: ScryptWorkerData = { ...romix, r, N, p, pairs, control, data };
  const workers: Worker[] = [];
  for (let t = 1; t < threads; t++) {
    try {
      // no inherited node flags: the worker runs plain compiled JS (see decode-pool.ts)
      const w = new wt.Worker(script, { execArgv: [], workerData, name: 'salvage scrypt' });
      // a worker that fails just never flags its lanes: nothing to wait for or report
      w.on('error', () => {});
      w.unref();
      workers.push(w);
    } catch {
      break; // no more workers: the calling thread takes their lanes
    }
  }

  const mine = new Set<number>();
  try {
    runClaimedLanes(next, p, pairs, here, lane, (i) => {
      mine.add(i);
      Atomics.store(flags, i, DONE_HERE);
    });
    // The lanes workers hold: computed here too, stopping as soon as their workers flag them,
    // so a dead or stalled worker costs no more than having done its lanes here.
    const held: number[] = [];
    for (let i = 0; i < p; i++) if (Atomics.load(flags, i) === 0) held.push(i);
    for (let k = 0; k < held.length; k += pairs ? 2 : 1) {
      const batch = held.slice(k, k + (pairs ? 2 : 1));
      const flagged = () => batch.every((i) => Atomics.load(flags, i) !== 0);
      if (flagged()) continue;
      const done =
        batch.length === 2
          ? here().run2(lane(batch[0]!), lane(batch[1]!), flagged)
          : here().run(lane(batch[0]!), flagged);
      if (done) for (const i of batch) mine.add(i);
    }
  } finally {
    // done with the lanes, or failed here: a worker still busy is stopped
    for (const w of workers) w.terminate().catch(() => {});
  }
  // every lane not computed here was flagged by a worker, after its bytes
  const shared = new Uint8Array(data);
  for (let i = 0; i < p; i++)
    if (!mine.has(i)) lane(i).set(shared.subarray(i * laneBytes, (i + 1) * laneBytes));
  return p - mine.size;
}
