/**
 * The restic decode pool: runs of data blobs verified and decoded in worker threads
 * (decode-worker.ts runs pack.ts decodeBlob: Poly1305-AES MAC, AES-256-CTR, zstd, SHA-256
 * against the id), so several runs decode at once beside the main thread, as restic decodes
 * packs in goroutines. Profiled restoring one 537 MB file, that work held the main thread for
 * ~1.9 s, blob by blob. The threads, messages, errors and crypto counts are util/run-pool.ts's;
 * this file supplies the key (sent to each worker once), the wire blobs and the inline fallback
 * (0 threads, no compiled worker script, or every worker full), which runs the same decodeBlob
 * here.
 */

import {
  RunPool,
  defaultDecodeThreads,
  type RunItem,
  type RunPoolOptions,
} from '../util/run-pool.js';
import type { Sink } from '../util/sinks.js';
import { workerScript } from '../util/worker-script.js';
import type { BlobLocation } from './blob-index.js';
import type { ResticKey } from './crypto.js';
import { decodeBlob, type BlobRef } from './pack.js';

export {
  defaultDecodeThreads,
  errorFromWire,
  type WireError,
  type WireUsage,
} from '../util/run-pool.js';

/** One blob of a run: where its stored bytes lie in the run's buffer, and what it must be. */
export interface WireBlob extends BlobRef, RunItem {}

/** What each worker is sent once: the repository key. */
export interface WireKey {
  readonly enc: Uint8Array;
  readonly macK: Uint8Array;
  readonly macR: Uint8Array;
}

/** The compiled worker script (util/worker-script.ts), undefined when there is none. */
export function decodeWorkerScript(): string | undefined {
  return workerScript(import.meta.url, 'decode-worker.js');
}

export type DecodePoolOptions = RunPoolOptions;

export class DecodePool extends RunPool<WireKey, WireBlob> {
  constructor(
    private readonly key: ResticKey,
    options: DecodePoolOptions = {},
  ) {
    const threads = options.threads ?? defaultDecodeThreads();
    super(
      {
        name: 'DecodePool',
        what: 'restic decode worker',
        script: threads > 0 ? decodeWorkerScript() : undefined,
        init: { enc: key.enc, macK: key.macK, macR: key.macR },
        describe: (blobs) => {
          const first = blobs[0]!;
          return `pack ${first.packId}, run of ${blobs.length} blobs from ${first.type} blob ${first.id}`;
        },
      },
      // the calling thread decodes too while the workers are full: restoring on 2 cores it
      // otherwise waits ~40 % of the time (medians of 4-5, tmpfs: mixed 1.90 → 1.85 s, one
      // 537 MB file 1.49 → 1.36 s, 20,000 small files 2.45 → 2.36 s)
      { inlineWhenBusy: true, ...options, threads },
    );
  }

  /**
   * Verify and decode the blobs of `run`, whose stored bytes are `data` starting at pack offset
   * `start`. Resolves with their plaintexts in order, or rejects with the first blob's failure.
   * When threaded and `data` spans its whole ArrayBuffer, that buffer is transferred (detached
   * here afterwards); otherwise it is copied first. A blob with `sinks[i]` is written there by
   * the thread that decodes it and comes back empty (util/sinks.ts).
   */
  decode(
    data: Uint8Array,
    start: number,
    run: readonly BlobLocation[],
    sinks?: readonly (readonly Sink[] | undefined)[],
  ): Promise<Uint8Array[]> {
    const blobs = run.map(
      (l, i): WireBlob => ({
        id: l.id,
        type: l.type,
        packId: l.packId,
        uncompressedLength: l.uncompressedLength,
        offset: l.offset - start,
        length: l.length,
        sinks: sinks?.[i],
      }),
    );
    // inline, each blob keeps its own buffer: one fresh buffer per run costs page faults that
    // per-blob buffers, reused by the allocator, do not (decoding the mixed set's 460 MB on one
    // thread: ~600 ms blob by blob, ~670 ms into 8 MiB runs)
    return this.decodeItems(data, blobs, (b, stored, into) =>
      decodeBlob(this.key, stored, b, into),
    );
  }
}
