/**
 * Entry point of a kopia decode worker (started by decode-pool.ts through util/run-pool.ts):
 * rebuilds the content codec from the settings it is sent first, then decodes runs of contents
 * with decode-content.ts, the same code the main thread runs inline. ECC repairs become notes
 * the main thread emits. The message loop, error transport and crypto counts are
 * util/run-worker.ts's.
 */

import type { RepositoryEvent } from '../model.js';
import { serveRuns } from '../util/run-worker.js';
import { createKopiaCodec, decodeContentRun, type KopiaCodec } from './decode-content.js';
import type { WireContent, WireSettings } from './decode-pool.js';

interface Ctx {
  readonly codec: KopiaCodec;
  readonly verifyHash: boolean;
  /** where the codec's ECC repair events go: the notes of the run being decoded */
  readonly sink: { notes: unknown[] };
}

async function setup(s: WireSettings): Promise<Ctx> {
  const sink = { notes: [] as unknown[] };
  const codec = await createKopiaCodec(s, (e: RepositoryEvent) => sink.notes.push(e));
  return { codec, verifyHash: s.verifyHash, sink };
}

serveRuns<WireSettings, Ctx, WireContent>(
  'decode-worker.js',
  setup,
  (ctx, input, contents, notes) => {
    ctx.sink.notes = notes;
    return decodeContentRun(ctx.codec, ctx.verifyHash, input, contents);
  },
);
