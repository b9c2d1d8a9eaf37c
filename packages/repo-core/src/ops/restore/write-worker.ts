/**
 * Entry point of a restore write worker (started by write-pool.ts where there is no native batch
 * writer): receives batches of small files, runs their syscalls with writeJobsSync on this thread,
 * and answers with one result per job. It loads its own copy of the native helper (a napi addon loads in any thread), so times
 * keep their nanoseconds and xattrs are set as on the main thread.
 */

import { parentPort } from 'node:worker_threads';
import { posixAddon } from './native.js';
import { decodeJob, writeJobsSync, type WireBatch, type WireReply } from './write-jobs.js';

const port = parentPort;
if (!port) throw new Error('write-worker.js runs only as a worker thread (see write-pool.ts)');

const addon = posixAddon();

port.on('message', (batch: WireBatch) => {
  const data = new Uint8Array(batch.data);
  const results = writeJobsSync(
    batch.jobs.map((w) => decodeJob(w, data)),
    addon,
  );
  const reply: WireReply = { id: batch.id, results };
  port.postMessage(reply);
});
