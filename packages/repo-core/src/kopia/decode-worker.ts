/**
 * Entry point of a kopia decode worker (started by decode-pool.ts through util/run-pool.ts):
 * rebuilds the content codec from the settings it is sent first, then decodes runs of contents
 * with decode-content.ts, the same code the main thread runs inline. ECC repairs become notes
 * the main thread emits. The message loop, error transport and crypto counts are
 * util/run-worker.ts's.
 */

import type { RepositoryEvent } from '../model.js';
import { concatBytes } from '../util/concat.js';
import { ownBuffer, serveRuns, type RunOutput } from '../util/run-worker.js';
import { createKopiaCodec, decodeContent, type KopiaCodec } from './decode-content.js';
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

/**
 * A run of several contents decodes into one buffer, each content copied into its slot as soon
 * as it is decoded (its length is the index's originalLength), so only one content's plaintext
 * is held besides it. Should a content's length differ from the index's (an index that cannot
 * know it, e.g. v1 with ECC), the rest are gathered and joined at the end instead. A single
 * content keeps its own buffer.
 */
async function decodeRun(
  ctx: Ctx,
  input: Uint8Array,
  contents: readonly WireContent[],
  notes: unknown[],
): Promise<RunOutput> {
  ctx.sink.notes = notes;
  const one = (c: WireContent): Promise<Uint8Array> =>
    decodeContent(ctx.codec, ctx.verifyHash, c, input.subarray(c.offset, c.offset + c.length));
  if (contents.length === 1) {
    const plain = await one(contents[0]!);
    return { data: ownBuffer(plain), ends: [plain.length] };
  }
  const ends: number[] = [];
  let total = 0;
  for (const c of contents) ends.push((total += c.originalLength));
  const out = new Uint8Array(total);
  let plains: Uint8Array[] | undefined;
  for (let i = 0; i < contents.length; i++) {
    const plain = await one(contents[i]!);
    if (!plains && plain.length === contents[i]!.originalLength) {
      out.set(plain, i === 0 ? 0 : ends[i - 1]);
    } else {
      plains ??= ends.slice(0, i).map((end, j) => out.subarray(j === 0 ? 0 : ends[j - 1], end));
      plains.push(plain);
    }
  }
  if (!plains) return { data: out.buffer, ends };
  let at = 0;
  const joinedEnds = plains.map((p) => (at += p.length));
  const joined = new Uint8Array(at);
  concatBytes(plains, at, joined);
  return { data: joined.buffer, ends: joinedEnds };
}

serveRuns<WireSettings, Ctx, WireContent>('decode-worker.js', setup, decodeRun);
