/**
 * The worker side of util/run-pool.ts, shared by every format's decode worker: keeps what the
 * first (`init`) message sets up, then decodes runs one at a time in arrival order with the
 * format's own decoder, the same code the main thread runs inline. Each answer carries the
 * run's plaintexts as one transferred buffer (or the first failure as a WireError), the notes
 * the decoder made, and that run's crypto path counts so the main thread's `cryptoUsage` stays
 * complete.
 */

import { parentPort } from 'node:worker_threads';

import { cryptoUsage, resetCryptoUsage, setCryptoPath } from '../crypto/select.js';
import { IntegrityError, UnsupportedFormatError } from '../errors.js';
import type { RunOutput, WireError, WireInit, WireReply, WireRun, WireUsage } from './run-pool.js';

/**
 * Decodes one run: `input` holds the run's stored bytes, `notes` collects what the main thread
 * should hear of (sent back with the answer, also when the run fails).
 */
export type RunDecoder<Ctx, Item> = (
  ctx: Ctx,
  input: Uint8Array,
  items: readonly Item[],
  notes: unknown[],
) => Promise<RunOutput>;

function usage(): WireUsage {
  const out: WireUsage = {};
  for (const [k, v] of Object.entries(cryptoUsage)) out[k] = { ...v };
  return out;
}

function toWire(e: unknown): WireError {
  if (e instanceof IntegrityError || e instanceof UnsupportedFormatError)
    return {
      integrity: e instanceof IntegrityError,
      unsupported: e instanceof UnsupportedFormatError || undefined,
      name: e.name,
      message: e.message,
      data: e.data,
      cause: e.cause instanceof Error ? e.cause.message : undefined,
    };
  const err = e instanceof Error ? e : new Error(String(e));
  return { integrity: false, name: err.name, message: err.message };
}

/**
 * Serves runs on this worker's port: `setup` turns the init message into the decoder's context
 * (a failure there fails every run with it), `decode` decodes each run.
 */
export function serveRuns<Init, Ctx, Item>(
  file: string,
  setup: (init: Init) => Ctx | Promise<Ctx>,
  decode: RunDecoder<Ctx, Item>,
): void {
  const port = parentPort;
  if (!port) throw new Error(`${file} runs only as a worker thread (see util/run-pool.ts)`);
  let ctx: Promise<Ctx> | undefined;
  let queue: Promise<void> = Promise.resolve();

  /** transfers `data` with the reply; a buffer that cannot be detached goes as a copy */
  const send = (reply: WireReply, data?: ArrayBuffer): void => {
    try {
      port.postMessage(reply, data ? [data] : []);
    } catch (e) {
      if (!data || (e as Error).name !== 'DataCloneError') throw e;
      const copy = new Uint8Array(data).slice().buffer;
      port.postMessage({ ...reply, data: copy }, [copy]);
    }
  };

  const run = async (msg: WireRun<Item>): Promise<void> => {
    setCryptoPath(msg.crypto);
    resetCryptoUsage();
    const notes: unknown[] = [];
    let out: RunOutput;
    try {
      if (!ctx) throw new Error(`${file} got a run before its init message`);
      out = await decode(await ctx, new Uint8Array(msg.data), msg.items, notes);
    } catch (e) {
      send({ id: msg.id, ok: false, error: toWire(e), usage: usage(), notes });
      return;
    }
    send({ id: msg.id, ok: true, data: out.data, ends: out.ends, usage: usage(), notes }, out.data);
  };

  port.on('message', (msg: WireInit<Init> | WireRun<Item>) => {
    if (msg.kind === 'init') {
      ctx = Promise.resolve().then(() => setup(msg.init));
      ctx.catch(() => undefined); // reported by each run that needs it
      return;
    }
    // one run at a time: the per-run crypto counts and the memory held stay those of one run
    queue = queue.then(() => run(msg));
  });
}
