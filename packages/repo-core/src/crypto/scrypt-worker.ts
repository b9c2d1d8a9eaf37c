/**
 * Entry point of a scrypt worker (started by scrypt-lanes.ts for one derivation): takes lanes
 * from the shared counter until none is left, runs the WebAssembly ROMix on each in the shared
 * copy of B (the module comes compiled in workerData), and flags each lane done after its
 * bytes, posting its index. Then it ends: nothing listens on its port, so the thread exits.
 */

import { parentPort, workerData } from 'node:worker_threads';

import type { ScryptWorkerData } from './scrypt-lanes.js';
import { RomixRunner } from './scrypt-romix.js';

const port = parentPort;
if (!port) throw new Error('scrypt-worker.js runs only as a worker thread (see scrypt-lanes.ts)');

const { module, simd, r, N, p, control, data } = workerData as ScryptWorkerData;
const next = new Int32Array(control, 0, 1);
const flags = new Uint8Array(control, 4, p);
const laneBytes = 128 * r;
let runner: RomixRunner | undefined;
for (;;) {
  const i = Atomics.add(next, 0, 1);
  if (i >= p) break;
  runner ??= new RomixRunner(r, N, { module, simd });
  runner.run(new Uint8Array(data, i * laneBytes, laneBytes));
  Atomics.store(flags, i, 1);
  port.postMessage(i);
}
