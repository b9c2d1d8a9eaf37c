/**
 * Reed-Solomon erasure decoding over GF(2^8) with klauspost/reedsolomon's default matrix
 * (spec §6.5; klauspost/reedsolomon v1.12.6 reedsolomon.go `buildMatrix`, `ReconstructData`):
 * E = V · (V_top)^-1 with V[r][c] = r^c, so data shard i is row i (identity) and parity shard j
 * is row D+j. Any D intact shards of a block determine the others.
 */

import { invert, mulAddInto, multiply, vandermonde, type Matrix } from './gf256.js';

const cache = new Map<string, Matrix>();

/** The (D+Q) × D encoding matrix (cached; kopia uses a handful of shapes). */
export function encodingMatrix(dataShards: number, parityShards: number): Matrix {
  const key = `${dataShards}/${parityShards}`;
  let m = cache.get(key);
  if (m === undefined) {
    if (dataShards < 1 || parityShards < 0 || dataShards + parityShards > 256) {
      throw new RangeError(`Reed-Solomon: ${dataShards}+${parityShards} shards is not supported`);
    }
    const v = vandermonde(dataShards + parityShards, dataShards);
    const topInv = invert(v.slice(0, dataShards));
    if (topInv === undefined) throw new Error('Reed-Solomon: Vandermonde top is singular');
    m = multiply(v, topInv);
    cache.set(key, m);
  }
  return m;
}

/** Parity shards for `data` (used by tests to build damaged inputs, and by nothing else). */
export function encodeParity(data: Uint8Array[], parityShards: number): Uint8Array[] {
  const m = encodingMatrix(data.length, parityShards);
  const size = data[0]!.length;
  const out: Uint8Array[] = [];
  for (let j = 0; j < parityShards; j++) {
    const p = new Uint8Array(size);
    const row = m[data.length + j]!;
    data.forEach((d, i) => mulAddInto(p, d, row[i]!));
    out.push(p);
  }
  return out;
}

/**
 * Fill in missing data shards (`undefined` entries among the first D) from any D present
 * shards of `shards` (length D+Q, all present shards the same size). Returns false when fewer
 * than D shards are present.
 */
export function reconstructData(
  shards: (Uint8Array | undefined)[],
  dataShards: number,
  parityShards: number,
): boolean {
  const missing: number[] = [];
  for (let i = 0; i < dataShards; i++) if (shards[i] === undefined) missing.push(i);
  if (missing.length === 0) return true;
  const present: number[] = [];
  for (let i = 0; i < dataShards + parityShards && present.length < dataShards; i++) {
    if (shards[i] !== undefined) present.push(i);
  }
  if (present.length < dataShards) return false;
  const m = encodingMatrix(dataShards, parityShards);
  const decode = invert(present.map((r) => m[r]!));
  if (decode === undefined) return false; // cannot happen for this construction
  const size = shards[present[0]!]!.length;
  for (const i of missing) {
    const out = new Uint8Array(size);
    const row = decode[i]!;
    present.forEach((r, k) => mulAddInto(out, shards[r]!, row[k]!));
    shards[i] = out;
  }
  return true;
}
