/**
 * Content and object decompression: the 4-byte big-endian header id in front of a compressed
 * payload selects the decoder. Output is bounded (exact when the index knows the length).
 * spec §7.1, §7.2; kopia repo/compression/compression_ids.go, compressor_*.go
 */

import { gunzip, inflateRaw } from '../compress/gzip.js';
import { decodeLz4Frame } from '../compress/lz4.js';
import { decodeS2Stream } from '../compress/s2.js';
import { zstdDecompress } from '../compress/zstd.js';
import { IntegrityError, UnsupportedFormatError } from '../errors.js';

export type CompressionFamily = 'gzip' | 'zstd' | 's2' | 'pgzip' | 'lz4' | 'deflate';

/** §7.1 header ids → family and kopia's compressor name */
const HEADERS = new Map<number, { family: CompressionFamily; name: string }>([
  [0x1000, { family: 'gzip', name: 'gzip' }],
  [0x1001, { family: 'gzip', name: 'gzip-best-speed' }],
  [0x1002, { family: 'gzip', name: 'gzip-best-compression' }],
  [0x1100, { family: 'zstd', name: 'zstd' }],
  [0x1101, { family: 'zstd', name: 'zstd-fastest' }],
  [0x1102, { family: 'zstd', name: 'zstd-better-compression' }],
  [0x1103, { family: 'zstd', name: 'zstd-best-compression' }],
  [0x1200, { family: 's2', name: 's2-default' }],
  [0x1201, { family: 's2', name: 's2-better' }],
  [0x1202, { family: 's2', name: 's2-parallel-4' }],
  [0x1203, { family: 's2', name: 's2-parallel-8' }],
  [0x1300, { family: 'pgzip', name: 'pgzip' }],
  [0x1301, { family: 'pgzip', name: 'pgzip-best-speed' }],
  [0x1302, { family: 'pgzip', name: 'pgzip-best-compression' }],
  [0x1400, { family: 'lz4', name: 'lz4' }],
  [0x1500, { family: 'deflate', name: 'deflate-default' }],
  [0x1501, { family: 'deflate', name: 'deflate-best-speed' }],
  [0x1502, { family: 'deflate', name: 'deflate-best-compression' }],
]);

export function compressionName(headerId: number): string | undefined {
  return HEADERS.get(headerId)?.name;
}

type Decoder = (data: Uint8Array, maxLength: number) => Promise<Uint8Array>;

// decoders live in src/compress/; each bounds its output
const DECODERS: Record<CompressionFamily, Decoder> = {
  gzip: async (data, max) => gunzip(data, max),
  pgzip: async (data, max) => gunzip(data, max),
  deflate: async (data, max) => inflateRaw(data, max),
  s2: async (data, max) => decodeS2Stream(data, max),
  lz4: async (data, max) => decodeLz4Frame(data, max),
  zstd: (data, maxLength) => zstdDecompress(data, { maxLength }),
};

/** gunzip with an output bound (manifests, §14) */
export function gunzipBounded(data: Uint8Array, maxLength: number): Promise<Uint8Array> {
  return DECODERS.gzip(data, maxLength);
}

/**
 * Decode `[header id][stream]`. `expectedHeader` (from the index) must match when given;
 * `exactLength` (the index's originalLength) must match when given.
 */
export async function decompressPayload(
  payload: Uint8Array,
  what: string,
  opts: { expectedHeader?: number; exactLength?: number; maxLength: number },
): Promise<Uint8Array> {
  if (payload.length < 4) throw new IntegrityError(`${what}: compressed payload too short`);
  const header =
    ((payload[0]! << 24) | (payload[1]! << 16) | (payload[2]! << 8) | payload[3]!) >>> 0;
  if (opts.expectedHeader !== undefined && header !== opts.expectedHeader) {
    throw new IntegrityError(
      `${what}: compression header 0x${header.toString(16)} differs from the index (0x${opts.expectedHeader.toString(16)})`,
    );
  }
  const h = HEADERS.get(header);
  if (!h) {
    throw new UnsupportedFormatError(
      `${what}: unknown compression header 0x${header.toString(16)}`,
      {
        compressionHeaderId: header,
      },
    );
  }
  const decode = DECODERS[h.family];
  const max = opts.exactLength ?? opts.maxLength;
  let out: Uint8Array;
  try {
    out = await decode(payload.subarray(4), max);
  } catch (e) {
    if (e instanceof UnsupportedFormatError) throw e;
    throw new IntegrityError(
      `${what}: ${h.name} data does not decompress`,
      { compression: h.name },
      { cause: e },
    );
  }
  if (opts.exactLength !== undefined && out.length !== opts.exactLength) {
    throw new IntegrityError(
      `${what}: decompressed to ${out.length} bytes, the index says ${opts.exactLength}`,
    );
  }
  return out;
}
