/**
 * node:zlib reached through `process.getBuiltinModule`, so a browser bundle has no hard
 * `node:` import; gzip and raw deflate decoding of kopia payloads use it (Node's zlib decodes
 * pgzip output too: it is ordinary gzip members).
 */

import type * as NodeZlib from 'node:zlib';

import { UnsupportedFormatError } from '../errors.js';

let cached: typeof NodeZlib | undefined;

export function zlib(): typeof NodeZlib {
  if (cached) return cached;
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const z = proc?.getBuiltinModule?.('node:zlib') as typeof NodeZlib | undefined;
  if (!z) throw new UnsupportedFormatError('gzip/deflate decoding needs node:zlib in this runtime');
  cached = z;
  return z;
}
