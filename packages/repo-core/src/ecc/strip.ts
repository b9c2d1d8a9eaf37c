/**
 * Removing kopia's REED-SOLOMON-CRC32 wrapper from a stored item, repairing damaged shards from
 * parity (spec §6.3-6.5; kopia v0.22.3 repo/ecc/ecc_rs_crc.go `Decrypt`). Stored layout:
 *
 *   parity region: for each block, for each parity shard: CRC32 (BE, 4) ‖ S bytes
 *   data region:   records CRC32 (BE, 4) ‖ up to S bytes, carrying the data stream
 *   data stream:   N (uint32 BE) ‖ N bytes ‖ zero padding to B·D·S
 *
 * Each CRC covers its full S-byte shard (zero padding included). A data record that starts past
 * the stored bytes is known padding (zeros) and is not checked, as in kopia. The output is the
 * N protected bytes (still encrypted: ECC wraps the ciphertext).
 */

import { IntegrityError } from '../errors.js';
import { crc32Portable } from './crc32.js';
import { ECC_CRC_SIZE, ECC_LENGTH_SIZE, eccGeometryOf, eccParameters } from './geometry.js';
import { reconstructData } from './reed-solomon.js';

export interface StrippedEcc {
  /** the protected bytes */
  data: Uint8Array;
  /** data shards that failed their CRC and were rebuilt from parity */
  repairedShards: number;
}

const be32 = (b: Uint8Array, p: number) =>
  ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;

/** The S-byte shard of the record at `pos` in `region`, zero-extended when cut short. */
function shardAt(region: Uint8Array, pos: number, size: number): Uint8Array {
  const start = pos + ECC_CRC_SIZE;
  if (start + size <= region.length) return region.subarray(start, start + size);
  const out = new Uint8Array(size);
  if (start < region.length) out.set(region.subarray(start));
  return out;
}

function crcAt(region: Uint8Array, pos: number): number {
  if (pos + ECC_CRC_SIZE <= region.length) return be32(region, pos);
  const b = new Uint8Array(ECC_CRC_SIZE);
  if (pos < region.length) b.set(region.subarray(pos));
  return be32(b, 0);
}

/**
 * Strip ECC from `stored` for a repository with `eccOverheadPercent` = `overheadPercent`.
 * @throws IntegrityError when more shards of a block are damaged than parity can repair, or the
 *   length field is impossible.
 */
export function stripEcc(stored: Uint8Array, overheadPercent: number): StrippedEcc {
  const params = eccParameters(overheadPercent);
  const g = eccGeometryOf(params, stored.length);
  const { dataShards: D, parityShards: Q, blocks: B, shardSize: S } = g;
  const record = ECC_CRC_SIZE + S;
  const parityLen = B * Q * record;
  if (stored.length < parityLen + ECC_CRC_SIZE) {
    throw new IntegrityError(
      `ECC item of ${stored.length} bytes is shorter than its parity (${parityLen} bytes)`,
      { storedLength: stored.length, overheadPercent },
    );
  }
  const parity = stored.subarray(0, parityLen);
  const region = stored.subarray(parityLen);
  const capacity = B * D * S - ECC_LENGTH_SIZE;
  let out: Uint8Array | undefined;
  let n = 0;
  let written = 0;
  let repaired = 0;
  const shards: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(D + Q);
  for (let b = 0; b < B; b++) {
    let bad = 0;
    for (let i = 0; i < D; i++) {
      const pos = (b * D + i) * record;
      const shard = shardAt(region, pos, S);
      const ok = pos >= region.length || crc32Portable(shard) === crcAt(region, pos);
      shards[i] = ok ? shard : undefined;
      if (!ok) bad++;
    }
    if (bad > 0) {
      for (let j = 0; j < Q; j++) {
        const pos = (b * Q + j) * record;
        const shard = parity.subarray(pos + ECC_CRC_SIZE, pos + record);
        shards[D + j] = crc32Portable(shard) === be32(parity, pos) ? shard : undefined;
      }
      if (!reconstructData(shards, D, Q)) {
        throw new IntegrityError(
          `ECC block ${b} has ${bad} damaged data shards and too few intact parity shards to repair them`,
          { block: b, badShards: bad, dataShards: D, parityShards: Q, overheadPercent },
        );
      }
      repaired += bad;
    }
    // Copy this block's share of the data stream to the output.
    for (let i = 0; i < D; i++) {
      const shard = shards[i]!;
      let from = 0;
      const streamPos = (b * D + i) * S;
      if (out === undefined) {
        // Block 0 starts with the length; with S < 4 it spans several shards.
        const head = new Uint8Array(ECC_LENGTH_SIZE);
        for (let k = 0; k < ECC_LENGTH_SIZE; k++) {
          head[k] = shards[Math.floor(k / S)]![k % S]!;
        }
        n = be32(head, 0);
        if (n > capacity) {
          throw new IntegrityError(
            `ECC length field says ${n} bytes but the item holds at most ${capacity}`,
            { length: n, capacity, overheadPercent },
          );
        }
        // Every data record up to the end of the stream must be stored (kopia would silently
        // read missing records as zeros; the AEAD would then fail less clearly).
        const streamLen = g.storePadding ? B * D * S : ECC_LENGTH_SIZE + n;
        const needed = streamLen + Math.ceil(streamLen / S) * ECC_CRC_SIZE;
        if (region.length < needed) {
          throw new IntegrityError(
            `ECC item is truncated: its data region has ${region.length} of ${needed} bytes`,
            { length: n, storedLength: stored.length, overheadPercent },
          );
        }
        out = new Uint8Array(n);
      }
      if (streamPos < ECC_LENGTH_SIZE) from = Math.min(S, ECC_LENGTH_SIZE - streamPos);
      const take = Math.min(S - from, n - written);
      if (take <= 0) continue;
      out.set(shard.subarray(from, from + take), written);
      written += take;
    }
  }
  if (out === undefined || written !== n) {
    throw new IntegrityError(`ECC item is truncated: ${written} of ${n} bytes present`, {
      length: n,
      overheadPercent,
    });
  }
  return { data: out, repairedShards: repaired };
}
