/**
 * The kopia decode pool: runs of data contents (one ranged read of a pack each, planned by
 * content-reader.ts) decoded in worker threads with decode-content.ts, the same code the main
 * thread runs inline. Profiled restoring 460 MB of mixed files on 2 cores, keyed BLAKE2b,
 * AES-GCM and per-content HMAC held kopia's main thread ~3.0 s of ~3.2 s. The threads,
 * messages, errors and crypto counts are util/run-pool.ts's; this file supplies the settings a
 * worker rebuilds its codec from (sent once), the wire contents, the ECC repair events a worker
 * reports (emitted here), and the inline fallback (0 threads, or no compiled worker script).
 * While every worker is full this thread decodes the next run itself (`inlineWhenBusy`): kopia
 * runs are few and large (up to 16 MiB), and with one worker on 2 cores a waiting main thread
 * left half the decoding undone in parallel. Restores on 2 cores (tmpfs, another process busy,
 * medians of 4, SALVAGE_DECODE_THREADS=0 → default): 460 MB mixed 2.57 → 2.30 s, one large
 * file 1.62 → 1.54 s; +50–90 MB peak RSS.
 */

import type { RepositoryEvent } from '../model.js';
import {
  RunPool,
  defaultDecodeThreads,
  type RunItem,
  type RunPoolOptions,
} from '../util/run-pool.js';
import type { Sink } from '../util/sinks.js';
import { workerScript } from '../util/worker-script.js';
import type { ContentInfo } from './content-index.js';
import {
  decodeContent,
  type ContentTarget,
  type KopiaCodec,
  type KopiaCodecSettings,
} from './decode-content.js';

/** One content of a run: where its stored bytes lie in the run's buffer, and what it must be. */
export interface WireContent extends ContentTarget, RunItem {}

/** What each worker is sent once: the codec's settings and whether to verify hashes. */
export interface WireSettings extends KopiaCodecSettings {
  readonly verifyHash: boolean;
}

/** The compiled worker script (util/worker-script.ts), undefined when there is none. */
export function kopiaDecodeWorkerScript(): string | undefined {
  return workerScript(import.meta.url, 'decode-worker.js');
}

export interface KopiaDecodePoolParts {
  readonly settings: KopiaCodecSettings;
  readonly verifyHash: boolean;
  /** this thread's codec, for the inline fallback */
  readonly codec: KopiaCodec;
  /** ECC repairs made in a worker */
  readonly emit: (e: RepositoryEvent) => void;
}

export class KopiaDecodePool extends RunPool<WireSettings, WireContent> {
  private readonly codec: KopiaCodec;
  private readonly verifyHash: boolean;

  constructor(parts: KopiaDecodePoolParts, options: RunPoolOptions = {}) {
    const threads = options.threads ?? defaultDecodeThreads();
    const s = parts.settings;
    super(
      {
        name: 'KopiaDecodePool',
        what: 'kopia decode worker',
        script: threads > 0 ? kopiaDecodeWorkerScript() : undefined,
        init: {
          encryption: s.encryption,
          masterKey: s.masterKey,
          hash: s.hash,
          secret: s.secret,
          ecc: s.ecc,
          eccOverheadPercent: s.eccOverheadPercent,
          verifyHash: parts.verifyHash,
        },
        describe: (contents) => {
          const first = contents[0]!;
          return `pack ${first.packBlobId}, run of ${contents.length} contents from content ${first.contentId}`;
        },
        onNotes: (notes) => {
          for (const n of notes) parts.emit(n as RepositoryEvent);
        },
      },
      { inlineWhenBusy: true, ...options, threads },
    );
    this.codec = parts.codec;
    this.verifyHash = parts.verifyHash;
  }

  /**
   * Decode and verify the contents `infos` (ascending in one pack), whose stored bytes are
   * `data` starting at pack offset `start`. Resolves with their plaintexts in order, or rejects
   * with the first content's failure. When threaded and `data` spans its whole ArrayBuffer,
   * that buffer is transferred (detached here afterwards); otherwise it is copied first. A
   * content with `sinks[k]` is written there by the thread that decodes it and comes back empty
   * (util/sinks.ts).
   */
  decode(
    data: Uint8Array,
    start: number,
    infos: readonly ContentInfo[],
    sinks?: readonly (readonly Sink[] | undefined)[],
  ): Promise<Uint8Array[]> {
    const contents = infos.map(
      (i, k): WireContent => ({
        contentId: i.contentId,
        packBlobId: i.packBlobId,
        compressionHeaderId: i.compressionHeaderId,
        originalLength: i.originalLength,
        offset: i.packOffset - start,
        length: i.packedLength,
        sinks: sinks?.[k],
      }),
    );
    return this.decodeItems(data, contents, (c, stored, into) =>
      decodeContent(this.codec, this.verifyHash, c, stored, into),
    );
  }
}
