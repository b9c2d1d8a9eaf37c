/**
 * kopia's ECC shard geometry (spec §6.1-6.2; kopia v0.22.3 repo/ecc/ecc_rs_crc.go
 * `newReedSolomonCrcECC`, `computeSizesFromStored`, repo/ecc/ecc_utils.go `computeShards`).
 * Nothing is stored: everything follows from the overhead percentage and the stored length.
 * Go computes with float32, reproduced here with Math.fround at every float32 operation.
 */

const f32 = Math.fround;

export const ECC_CRC_SIZE = 4;
export const ECC_LENGTH_SIZE = 4;
const SMALL_DATA_SHARDS = 6;
const SMALL_PARITY_SHARDS = 2;

/** Per-repository parameters derived from `eccOverheadPercent` (spec §6.1 table). */
export interface EccParameters {
  readonly overheadPercent: number;
  /** S_max */
  readonly maxShardSize: number;
  readonly dataShards: number;
  readonly parityShards: number;
  /** T_small: stored lengths up to this use 6 data + 2 parity shards */
  readonly thresholdSmall: number;
  /** T_one: stored lengths up to this fit in one block */
  readonly thresholdOneBlock: number;
}

/** The geometry of one stored blob (spec §6.2). */
export interface EccGeometry {
  readonly dataShards: number;
  readonly parityShards: number;
  readonly blocks: number;
  readonly shardSize: number;
  /** true when every data shard is stored in full (zero padding included) */
  readonly storePadding: boolean;
}

const ceilDiv = (a: number, b: number) => Math.ceil(a / b);
const between = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/** spec §6.1, for an overhead of 1..100 percent. */
export function eccParameters(overheadPercent: number): EccParameters {
  const p = overheadPercent;
  if (!Number.isInteger(p) || p < 1 || p > 100) {
    throw new RangeError(`ECC overhead must be 1..100 percent, got ${p}`);
  }
  const maxShardSize = p === 1 ? 1024 : p === 2 ? 512 : p === 3 ? 256 : p <= 6 ? 128 : 64;
  // float32(P) − 100·crcSize / float32(S_max), then at least float32(0.01)
  let free = f32(f32(p) - f32(f32(100 * ECC_CRC_SIZE) / f32(maxShardSize)));
  free = Math.max(free, f32(0.01));
  // computeShards: applyPercent(v, pct) = floor(float64(v) · float64(pct))
  let data = 128;
  let parity = between(Math.floor(128 * f32(free / 100)), 1, 128);
  if (parity === 1) {
    parity = 2;
    data = between(Math.floor(2 * f32(100 / free)), 128, 254);
  }
  const parityInput = 2 * ECC_CRC_SIZE * (data + parity);
  const small = SMALL_DATA_SHARDS + SMALL_PARITY_SHARDS;
  return {
    overheadPercent: p,
    maxShardSize,
    dataShards: data,
    parityShards: parity,
    thresholdSmall: small * (ECC_CRC_SIZE + ceilDiv(parityInput, SMALL_DATA_SHARDS)),
    thresholdOneBlock: (data + parity) * (ECC_CRC_SIZE + maxShardSize),
  };
}

/** spec §6.2: the geometry of a blob of `storedLength` bytes (computeSizesFromStored). */
export function eccGeometryOf(params: EccParameters, storedLength: number): EccGeometry {
  const L = storedLength;
  if (L <= params.thresholdSmall) {
    const n = SMALL_DATA_SHARDS + SMALL_PARITY_SHARDS;
    return {
      dataShards: SMALL_DATA_SHARDS,
      parityShards: SMALL_PARITY_SHARDS,
      blocks: 1,
      shardSize: Math.max(ceilDiv(L, n), 1 + ECC_CRC_SIZE) - ECC_CRC_SIZE,
      storePadding: true,
    };
  }
  const { dataShards, parityShards, maxShardSize } = params;
  const n = dataShards + parityShards;
  if (L <= params.thresholdOneBlock) {
    return {
      dataShards,
      parityShards,
      blocks: 1,
      shardSize: Math.max(ceilDiv(L, n), 1 + ECC_CRC_SIZE) - ECC_CRC_SIZE,
      storePadding: true,
    };
  }
  return {
    dataShards,
    parityShards,
    blocks: ceilDiv(L, n * (ECC_CRC_SIZE + maxShardSize)),
    shardSize: maxShardSize,
    storePadding: false,
  };
}

/** Both steps at once: the geometry for overhead `overheadPercent` and a stored length. */
export function eccGeometry(overheadPercent: number, storedLength: number): EccGeometry {
  return eccGeometryOf(eccParameters(overheadPercent), storedLength);
}
