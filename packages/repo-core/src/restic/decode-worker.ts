/**
 * Entry point of a restic decode worker (started by decode-pool.ts through util/run-pool.ts):
 * keeps the repository key it is sent first, then verifies and decodes runs of blobs with
 * pack.ts decodeBlobRun, the same code the main thread runs inline. The message loop, error
 * transport and crypto counts are util/run-worker.ts's.
 */

import { serveRuns } from '../util/run-worker.js';
import type { ResticKey } from './crypto.js';
import type { WireBlob, WireKey } from './decode-pool.js';
import { decodeBlobRun } from './pack.js';

serveRuns<WireKey, ResticKey, WireBlob>(
  'decode-worker.js',
  (k) => ({ enc: k.enc, macK: k.macK, macR: k.macR }),
  (key, input, blobs) => decodeBlobRun(key, input, blobs),
);
