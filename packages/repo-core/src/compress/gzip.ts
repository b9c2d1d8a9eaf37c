/**
 * gzip (RFC 1952, every member of a multi-member file) and raw DEFLATE (RFC 1951) decoders with
 * bounded output, for kopia's gzip, pgzip and deflate compressors (kopia spec §7.1; kopia
 * repo/compression/compressor_gzip.go, compressor_pgzip.go, compressor_deflate.go) and gzip'd
 * manifests and logs. pgzip output is ordinary gzip.
 * Fast: node:zlib with `maxOutputLength`. Portable: fflate (pure JS, synchronous, 8 kB; the
 * browser's DecompressionStream is asynchronous only), fed in 4 KiB slices so that output
 * beyond the limit is noticed within a few MiB. Usage counted as `gunzip` / `inflate-raw`.
 */

import type * as Fflate from 'fflate';

import { IntegrityError } from '../errors.js';
import { portableModule } from '../crypto/portable-module.js';
import { choosePath } from '../crypto/select.js';
import { checkMaxOutput, corrupt, tooLarge } from './limits.js';
import { nodeZlib } from './node-zlib.js';
import { concatBytes } from '../util/concat.js';

// loaded on the first portable decode: a Node process on the fast path never needs it
const fflate = portableModule<typeof Fflate>('fflate', () => import('fflate'));

type Kind = 'gunzip' | 'inflate-raw';

const SLICE = 4096;

function nodeDecode(kind: Kind, input: Uint8Array, maxOutput: number): Uint8Array {
  const z = nodeZlib!;
  const opts = { maxOutputLength: Math.max(1, maxOutput) };
  let out: Buffer;
  try {
    out = kind === 'gunzip' ? z.gunzipSync(input, opts) : z.inflateRawSync(input, opts);
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(kind, maxOutput);
    throw corrupt(kind, (e as Error).message, e);
  }
  if (out.length > maxOutput) throw tooLarge(kind, maxOutput);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

function portableDecode(kind: Kind, input: Uint8Array, maxOutput: number): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  let ended = false;
  const ondata = (chunk: Uint8Array, final: boolean) => {
    total += chunk.length;
    if (total > maxOutput) throw tooLarge(kind, maxOutput);
    if (chunk.length > 0) parts.push(chunk);
    if (final) ended = true;
  };
  const { Gunzip, Inflate } = fflate();
  const d = kind === 'gunzip' ? new Gunzip(ondata) : new Inflate(ondata);
  try {
    if (input.length === 0) d.push(input, true);
    for (let i = 0; i < input.length; i += SLICE) {
      d.push(input.subarray(i, i + SLICE), i + SLICE >= input.length);
    }
  } catch (e) {
    if (e instanceof IntegrityError) throw e;
    throw corrupt(kind, (e as Error).message, e);
  }
  if (!ended) throw corrupt(kind, 'unexpected end of data');
  return concatBytes(parts, total);
}

function decode(kind: Kind, input: Uint8Array, maxOutput: number): Uint8Array {
  checkMaxOutput(kind, maxOutput);
  if (choosePath(kind, nodeZlib !== undefined) === 'fast') {
    return nodeDecode(kind, input, maxOutput);
  }
  return portableDecode(kind, input, maxOutput);
}

/** Decode a gzip file (all members) into at most `maxOutput` bytes. */
export function gunzip(input: Uint8Array, maxOutput: number): Uint8Array {
  return decode('gunzip', input, maxOutput);
}

/** Decode a raw DEFLATE stream into at most `maxOutput` bytes. */
export function inflateRaw(input: Uint8Array, maxOutput: number): Uint8Array {
  return decode('inflate-raw', input, maxOutput);
}
