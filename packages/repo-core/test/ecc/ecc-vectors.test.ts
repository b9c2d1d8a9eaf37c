/**
 * kopia's REED-SOLOMON-CRC32 ECC: geometry pinned to spec §6.1 and to kopia v0.22.3's own
 * computed parameters for every overhead 1..100; stripping every vector kopia's encoder wrote
 * (../vectors/ecc, see ../vectors/README.md); repair of damaged shards from parity; CRC-32 on both
 * paths.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';

import {
  cryptoUsage,
  resetCryptoUsage,
  setCryptoPath,
  type CryptoPath,
} from '../../src/crypto/select.js';
import { crc32, crc32Portable } from '../../src/ecc/crc32.js';
import { eccGeometry, eccParameters } from '../../src/ecc/geometry.js';
import { encodeParity, reconstructData } from '../../src/ecc/reed-solomon.js';
import { stripEcc } from '../../src/ecc/strip.js';
import { IntegrityError } from '../../src/errors.js';

const dir = new URL('../vectors/ecc/', import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('manifest.json', dir), 'utf8')) as {
  params: {
    percent: number;
    maxShardSize: number;
    dataShards: number;
    parityShards: number;
    thresholdParityOutput: number;
    thresholdBlocksOutput: number;
  }[];
  vectors: { percent: number; file: string; length: number }[];
};
const load = (file: string) => new Uint8Array(readFileSync(new URL(file, dir)));

/** kopia ecc_rs_crc_test.go input: byte i = (i mod 255) + 1. */
function eccInput(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i % 255) + 1;
  return b;
}

afterAll(() => setCryptoPath('auto'));

describe('geometry', () => {
  it('matches the table of spec §6.1', () => {
    // P, S_max, data, parity, T_small, T_one
    const table = [
      [1, 1024, 254, 2, 2768, 263168],
      [2, 512, 164, 2, 1808, 85656],
      [3, 256, 139, 2, 1536, 36660],
      [4, 128, 228, 2, 2488, 30360],
      [5, 128, 128, 2, 1424, 17160],
      [6, 128, 128, 3, 1432, 17292],
      [7, 64, 254, 2, 2768, 17408],
      [10, 64, 128, 4, 1440, 8976],
      [20, 64, 128, 17, 1584, 9860],
      [50, 64, 128, 56, 2000, 12512],
      [100, 64, 128, 120, 2680, 16864],
    ];
    for (const [p, smax, data, parity, tSmall, tOne] of table) {
      expect(eccParameters(p!)).toEqual({
        overheadPercent: p,
        maxShardSize: smax,
        dataShards: data,
        parityShards: parity,
        thresholdSmall: tSmall,
        thresholdOneBlock: tOne,
      });
    }
  });

  it('matches kopia v0.22.3 for every overhead 1..100', () => {
    expect(manifest.params).toHaveLength(100);
    for (const k of manifest.params) {
      const p = eccParameters(k.percent);
      expect([p.maxShardSize, p.dataShards, p.parityShards], `P=${k.percent}`).toEqual([
        k.maxShardSize,
        k.dataShards,
        k.parityShards,
      ]);
      expect([p.thresholdSmall, p.thresholdOneBlock], `P=${k.percent}`).toEqual([
        k.thresholdParityOutput,
        k.thresholdBlocksOutput,
      ]);
    }
  });

  it('picks the three size classes of spec §6.2', () => {
    expect(eccGeometry(10, 40)).toEqual({
      dataShards: 6,
      parityShards: 2,
      blocks: 1,
      shardSize: 1,
      storePadding: true,
    });
    expect(eccGeometry(10, 8976)).toMatchObject({ dataShards: 128, blocks: 1, shardSize: 64 });
    expect(eccGeometry(10, 8977)).toMatchObject({ blocks: 2, shardSize: 64, storePadding: false });
    expect(() => eccGeometry(0, 100)).toThrow(RangeError);
  });
});

describe.each<CryptoPath>(['portable', 'fast'])('%s path', (path) => {
  it('strips every kopia ECC vector to its input', () => {
    setCryptoPath(path);
    resetCryptoUsage();
    expect(manifest.vectors.length).toBeGreaterThan(90);
    for (const v of manifest.vectors) {
      const { data, repairedShards } = stripEcc(load(v.file), v.percent);
      expect(repairedShards, v.file).toBe(0);
      expect(Buffer.from(data).equals(eccInput(v.length)), v.file).toBe(true);
    }
  });

  it('CRC-32/IEEE check value, and both paths agree on 1 MiB', () => {
    setCryptoPath(path);
    resetCryptoUsage();
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    const big = eccInput(1 << 20);
    expect(crc32(big)).toBe(crc32Portable(big));
    expect(crc32Portable(big, 5, 77)).toBe(crc32(big.subarray(5, 77)));
    const other = path === 'fast' ? 'portable' : 'fast';
    expect(cryptoUsage.crc32?.[path] ?? 0).toBeGreaterThan(0);
    expect(cryptoUsage.crc32?.[other] ?? 0).toBe(0);
  });
});

describe('repair', () => {
  /** Flip one byte inside data shard `shard` of block `block` (its CRC no longer matches). */
  function damage(stored: Uint8Array, percent: number, block: number, shard: number): void {
    const g = eccGeometry(percent, stored.length);
    const rec = 4 + g.shardSize;
    const parity = g.blocks * g.parityShards * rec;
    const pos = parity + (block * g.dataShards + shard) * rec + 4;
    if (pos < stored.length) stored[pos]! ^= 0x5a;
  }

  it('rebuilds up to Q damaged data shards per block, in every size class', () => {
    for (const v of manifest.vectors) {
      if (v.length < 100) continue;
      const stored = load(v.file);
      const g = eccGeometry(v.percent, stored.length);
      let expected = 0;
      for (let b = 0; b < g.blocks; b++) {
        for (let k = 0; k < g.parityShards; k++) {
          const shard = (b * 7 + k * 3) % g.dataShards;
          const rec = 4 + g.shardSize;
          const at = g.blocks * g.parityShards * rec + (b * g.dataShards + shard) * rec + 4;
          if (at >= stored.length) continue;
          damage(stored, v.percent, b, shard);
          expected++;
        }
      }
      const { data, repairedShards } = stripEcc(stored, v.percent);
      expect(repairedShards, v.file).toBe(expected);
      expect(Buffer.from(data).equals(eccInput(v.length)), v.file).toBe(true);
    }
  });

  it('repairs a damaged length field (first shard) and ignores damaged parity', () => {
    const v = manifest.vectors.find((x) => x.percent === 10 && x.length === 20000)!;
    const stored = load(v.file);
    damage(stored, 10, 0, 0);
    stored[10]! ^= 0xff; // inside the first parity shard: no data shard needs it
    const { data, repairedShards } = stripEcc(stored, 10);
    expect(repairedShards).toBe(1);
    expect(Buffer.from(data).equals(eccInput(v.length))).toBe(true);
  });

  it('throws IntegrityError when a block has more damage than parity', () => {
    for (const v of manifest.vectors.filter((x) => x.length >= 1000)) {
      const stored = load(v.file);
      const g = eccGeometry(v.percent, stored.length);
      for (let k = 0; k <= g.parityShards; k++) damage(stored, v.percent, 0, k);
      expect(() => stripEcc(stored, v.percent), v.file).toThrow(IntegrityError);
    }
  });

  it('rejects impossible lengths and truncated items with IntegrityError', () => {
    expect(() => stripEcc(new Uint8Array(5), 10)).toThrow(IntegrityError);
    const v = manifest.vectors.find((x) => x.percent === 10 && x.length === 70000)!;
    const stored = load(v.file);
    expect(() => stripEcc(stored.subarray(0, stored.length - 100), 10)).toThrow(IntegrityError);
  });

  it('any D of D+Q shards rebuild the data (klauspost matrix, round trip)', () => {
    const d = 6;
    const q = 3;
    const data = Array.from({ length: d }, (_, i) => eccInput(50).map((x) => x ^ (i * 37)));
    const parity = encodeParity(data, q);
    for (const lost of [[0, 1, 2], [3, 5, 7], [0, 6, 8], [2]]) {
      const shards: (Uint8Array | undefined)[] = [...data, ...parity];
      for (const i of lost) shards[i] = undefined;
      expect(reconstructData(shards, d, q)).toBe(true);
      for (let i = 0; i < d; i++) expect(shards[i]).toEqual(data[i]);
    }
    const shards: (Uint8Array | undefined)[] = [...data, ...parity];
    for (const i of [0, 1, 2, 3]) shards[i] = undefined;
    expect(reconstructData(shards, d, q)).toBe(false);
  });
});
