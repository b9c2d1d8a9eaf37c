/**
 * Entry point of a restic decode worker (started by decode-pool.ts): keeps the repository key
 * it is sent first, then verifies and decodes runs of blobs with pack.ts decodeBlob, the same
 * code the main thread runs inline, one run at a time in arrival order. Each answer carries the
 * run's plaintexts as one transferred buffer, or the first failure, and the crypto path counts
 * of that run so the main thread's `cryptoUsage` stays complete.
 */

import { parentPort } from 'node:worker_threads';

import { cryptoUsage, resetCryptoUsage, setCryptoPath } from '../crypto/select.js';
import { IntegrityError } from '../errors.js';
import type { ResticKey } from './crypto.js';
import type { WireError, WireKey, WireReply, WireRun, WireUsage } from './decode-pool.js';
import { decodeBlob } from './pack.js';

const port = parentPort;
if (!port) throw new Error('decode-worker.js runs only as a worker thread (see decode-pool.ts)');

let key: ResticKey | undefined;
let queue: Promise<void> = Promise.resolve();

function usage(): WireUsage {
  const out: WireUsage = {};
  for (const [k, v] of Object.entries(cryptoUsage)) out[k] = { ...v };
  return out;
}

function toWire(e: unknown): WireError {
  if (e instanceof IntegrityError)
    return {
      integrity: true,
      name: e.name,
      message: e.message,
      data: e.data,
      cause: e.cause instanceof Error ? e.cause.message : undefined,
    };
  const err = e instanceof Error ? e : new Error(String(e));
  return { integrity: false, name: err.name, message: err.message };
}

/** all plaintexts in one buffer that can be transferred; a lone one that owns its buffer as is */
function pack(plains: Uint8Array[]): { data: ArrayBuffer; ends: number[] } {
  const only = plains[0];
  if (
    plains.length === 1 &&
    only!.buffer instanceof ArrayBuffer &&
    only!.byteOffset === 0 &&
    only!.byteLength === only!.buffer.byteLength
  )
    return { data: only!.buffer, ends: [only!.byteLength] };
  let total = 0;
  for (const p of plains) total += p.length;
  const out = new Uint8Array(total);
  const ends: number[] = [];
  let pos = 0;
  for (const p of plains) {
    out.set(p, pos);
    pos += p.length;
    ends.push(pos);
  }
  return { data: out.buffer, ends };
}

/** transfers `data` with the reply; a buffer that cannot be detached goes as a copy */
function send(reply: WireReply, data?: ArrayBuffer): void {
  try {
    port!.postMessage(reply, data ? [data] : []);
  } catch (e) {
    if (!data || (e as Error).name !== 'DataCloneError') throw e;
    const copy = new Uint8Array(data).slice().buffer;
    port!.postMessage({ ...reply, data: copy }, [copy]);
  }
}

async function decodeRun(run: WireRun): Promise<void> {
  setCryptoPath(run.crypto);
  resetCryptoUsage();
  const input = new Uint8Array(run.data);
  const plains: Uint8Array[] = [];
  try {
    if (!key) throw new Error('decode worker got a run before the key');
    for (const b of run.blobs)
      plains.push(await decodeBlob(key, input.subarray(b.offset, b.offset + b.length), b));
  } catch (e) {
    send({ id: run.id, ok: false, error: toWire(e), usage: usage() });
    return;
  }
  const { data, ends } = pack(plains);
  send({ id: run.id, ok: true, data, ends, usage: usage() }, data);
}

port.on('message', (msg: WireKey | WireRun) => {
  if (msg.kind === 'key') {
    key = { enc: msg.enc, macK: msg.macK, macR: msg.macR };
    return;
  }
  // one run at a time: the per-run crypto counts and the memory held stay those of one run
  queue = queue.then(() => decodeRun(msg));
});
