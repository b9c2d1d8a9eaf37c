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
import { decodeBlob, plainLength } from './pack.js';

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

/**
 * A lone plaintext as a buffer that can be transferred: its own when it starts it and fills all
 * but a little of it (the zstd in-place path leaves the frame's few header bytes at the end;
 * the reply's `ends` cut it off), else a copy. Never a small one: those may share Node's pool.
 */
function own(plain: Uint8Array): ArrayBuffer {
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

/**
 * A run of several blobs decodes straight into one buffer, each blob into its slot (its
 * plaintext length is known from the index), so the plaintexts are not allocated one by one and
 * then copied together; a single blob keeps its own buffer (the in-place zstd path needs no
 * allocation at all).
 */
async function decodeRun(run: WireRun): Promise<void> {
  setCryptoPath(run.crypto);
  resetCryptoUsage();
  const input = new Uint8Array(run.data);
  let data: ArrayBuffer;
  let ends: number[];
  try {
    if (!key) throw new Error('decode worker got a run before the key');
    if (run.blobs.length === 1) {
      const b = run.blobs[0]!;
      const plain = await decodeBlob(key, input.subarray(b.offset, b.offset + b.length), b);
      data = own(plain);
      ends = [plain.length];
    } else {
      ends = [];
      let total = 0;
      for (const b of run.blobs) ends.push((total += plainLength(b)));
      const out = new Uint8Array(total);
      for (let i = 0; i < run.blobs.length; i++) {
        const b = run.blobs[i]!;
        const at = i === 0 ? 0 : ends[i - 1]!;
        await decodeBlob(
          key,
          input.subarray(b.offset, b.offset + b.length),
          b,
          out.subarray(at, ends[i]),
        );
      }
      data = out.buffer;
    }
  } catch (e) {
    send({ id: run.id, ok: false, error: toWire(e), usage: usage() });
    return;
  }
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
