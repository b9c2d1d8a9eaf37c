/**
 * Entry point of a scrypt worker (started by scrypt-lanes.ts for one derivation): takes lanes
 * (two at a time when told to) from the shared counter until none is left, runs the WebAssembly
 * ROMix on them in the shared copy of B (the module comes compiled in workerData), and flags
 * each lane done after its bytes, which the calling thread polls. Then it ends: nothing listens
 * on its port, so the thread exits.
 */

import { parentPort, workerData } from 'node:worker_threads';

import type { ScryptWorkerData } from './scrypt-lanes.js';
import { RomixRunner, runClaimedLanes } from './scrypt-romix.js';

if (!parentPort)
  throw new Error('scrypt-worker.js runs only as a worker thread (see scrypt-lanes.ts)');

const { module, simd, r, N, p, pairs, control, data } = workerData as ScryptWorkerData;
const flags = new Uint8Array(control, 4, p);
const laneBytes = 128 * r;
let runner: RomixRunner | undefined;
runClaimedLanes(
  new Int32Array(control, 0, 1),
  p,
  pairs,
  () => (runner ??= new RomixRunner(r, N, { module, simd })),
  (i) => new Uint8Array(data, i * laneBytes, laneBytes),
  (i) => Atomics.store(flags, i, 1),
);
