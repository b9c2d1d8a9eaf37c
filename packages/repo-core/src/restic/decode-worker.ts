/**
 * Entry point of a restic decode worker (started by decode-pool.ts through util/run-pool.ts):
 * keeps the repository key it is sent first, then verifies and decodes runs of blobs with
 * pack.ts decodeBlob, the same code the main thread runs inline. The message loop, error
 * transport and crypto counts are util/run-worker.ts's.
 */

import { ownBuffer, serveRuns, type RunOutput } from '../util/run-worker.js';
import type { ResticKey } from './crypto.js';
import type { WireBlob, WireKey } from './decode-pool.js';
import { decodeBlob, plainLength } from './pack.js';

/**
 * A run of several blobs decodes straight into one buffer, each blob into its slot (its
 * plaintext length is known from the index), so the plaintexts are not allocated one by one and
 * then copied together; a single blob keeps its own buffer (the in-place zstd path needs no
 * allocation at all).
 */
async function decodeRun(
  key: ResticKey,
  input: Uint8Array,
  blobs: readonly WireBlob[],
): Promise<RunOutput> {
  if (blobs.length === 1) {
    const b = blobs[0]!;
    const plain = await decodeBlob(key, input.subarray(b.offset, b.offset + b.length), b);
    return { data: ownBuffer(plain), ends: [plain.length] };
  }
  const ends: number[] = [];
  let total = 0;
  for (const b of blobs) ends.push((total += plainLength(b)));
  const out = new Uint8Array(total);
  for (let i = 0; i < blobs.length; i++) {
    const b = blobs[i]!;
    const at = i === 0 ? 0 : ends[i - 1]!;
    await decodeBlob(
      key,
      input.subarray(b.offset, b.offset + b.length),
      b,
      out.subarray(at, ends[i]),
    );
  }
  return { data: out.buffer, ends };
}

serveRuns<WireKey, ResticKey, WireBlob>(
  'decode-worker.js',
  (k) => ({ enc: k.enc, macK: k.macK, macR: k.macR }),
  decodeRun,
);
