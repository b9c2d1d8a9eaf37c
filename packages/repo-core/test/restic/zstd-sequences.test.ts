/**
 * zstd-sequences.ts, the decoder for frames without Huffman literals: on frames libzstd makes of
 * incompressible data with repeats (Raw literals, FSE-coded sequences in every symbol mode:
 * predefined, RLE, FSE-described and repeated from the block before), it decodes what the WASM
 * libzstd decodes, alone and into a slot; zstdDecompress picks it for frames of long sequences
 * and leaves the rest to libzstd; damaged and truncated frames fail as ZstdError, nothing else.
 */
import { randomBytes } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  forceZstdBackend,
  scanZstdFrames,
  zstdDecompress,
  ZstdError,
  zstdReady,
} from '../../src/compress/zstd.js';
import { libzstd } from './libzstd.js';
import { blockShape, decodeRawLiteralFrame } from '../../src/compress/zstd-sequences.js';

beforeAll(async () => {
  await libzstd.init();
  await zstdReady();
  forceZstdBackend('wasm');
});
afterAll(() => forceZstdBackend(undefined));

/** seeded generator, so a failure reproduces */
function rng(seed: number): (n: number) => number {
  let x = seed >>> 0 || 1;
  return (n) => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % n;
  };
}

/**
 * Incompressible bytes with repeats in them: copies of earlier stretches (near and far), short
 * periodic patterns (overlapping matches) and runs of one byte. libzstd keeps the literals Raw.
 */
function repeats(seed: number, size: number): Uint8Array {
  const r = rng(seed);
  const out = new Uint8Array(size);
  let o = 0;
  while (o < size) {
    const n = Math.min(size - o, 1 + r(r(4) === 0 ? 20_000 : 600));
    const kind = o < 64 ? 0 : r(4);
    if (kind === 0) out.set(randomBytes(n), o);
    else if (kind === 1) {
      const from = r(o);
      for (let i = 0; i < n; i++) out[o + i] = out[from + i]!; // may overlap: periodic
    } else if (kind === 2) {
      const period = 2 + r(15);
      const from = o - Math.min(o, period);
      for (let i = 0; i < n; i++) out[o + i] = out[from + i]!;
    } else out.fill(r(256), o, o + n);
    o += n;
  }
  return out;
}

interface Shape {
  eligible: boolean;
  sequences: number;
  modes: Set<number>;
}

/** whether every compressed block of a one-frame input has Raw/RLE literals, and its modes */
function shapeOf(frame: Uint8Array): { blocks: number[]; shape: Shape } {
  const blocks: number[] = [];
  const scan = scanZstdFrames(frame, (type, pos, size) => blocks.push(type, pos, size));
  const shape: Shape = {
    eligible: scan.frames === 1 && scan.checksums === 0,
    sequences: 0,
    modes: new Set(),
  };
  for (let b = 0; b < blocks.length; b += 3) {
    if (blocks[b] !== 2) continue;
    const s = blockShape(frame, blocks[b + 1]!, blocks[b + 2]!);
    if (s.literals >= 2) shape.eligible = false;
    shape.sequences += s.sequences;
    // each symbol's mode: 0 predefined, 1 RLE, 2 FSE described, 3 repeated
    if (s.sequences > 0) for (const shift of [6, 4, 2]) shape.modes.add((s.modes >> shift) & 3);
  }
  return { blocks, shape };
}

/** libzstd's output for the same frame: whole-frame WASM decoding, bypassing the JS paths */
async function reference(frame: Uint8Array, size: number): Promise<Uint8Array> {
  forceZstdBackend('js'); // fzstd: an independent decoder
  try {
    return await zstdDecompress(frame, { maxLength: size });
  } finally {
    forceZstdBackend('wasm');
  }
}

describe('frames with Raw literals and FSE-coded sequences', () => {
  const cases = Array.from({ length: 18 }, (_, i) => ({
    seed: 1000 + i,
    size: [4_000, 150_000, 700_000][i % 3]!,
    level: [1, 3, 7, 12, 19, -5][i % 6]!,
  }));

  it('decode as libzstd does, in every symbol compression mode', async () => {
    const modes = new Set<number>();
    let eligible = 0;
    for (const c of cases) {
      const src = repeats(c.seed, c.size);
      const frame = libzstd.compress(src, c.level);
      const { blocks, shape } = shapeOf(frame);
      if (!shape.eligible || shape.sequences === 0) continue;
      eligible++;
      for (const m of shape.modes) modes.add(m);
      const out = decodeRawLiteralFrame(frame, blocks, src.length, undefined);
      expect(Buffer.compare(out, src), `seed ${c.seed} level ${c.level}`).toBe(0);
      const big = new Uint8Array(src.length + 8).fill(0xee);
      const got = decodeRawLiteralFrame(frame, blocks, src.length, big.subarray(4, 4 + src.length));
      expect(got.buffer).toBe(big.buffer);
      expect(Buffer.compare(got, src)).toBe(0);
      expect(big.subarray(0, 4).every((x) => x === 0xee)).toBe(true);
      expect(big.subarray(4 + src.length).every((x) => x === 0xee)).toBe(true);
      expect(Buffer.compare(await reference(frame, src.length), src)).toBe(0);
    }
    expect(eligible).toBeGreaterThan(10);
    // predefined, RLE, described and repeated tables all ran
    expect([...modes].sort()).toEqual([0, 1, 2, 3]);
  });

  it('zstdDecompress takes frames of long sequences, and gets the same bytes either way', async () => {
    const src = Buffer.concat([randomBytes(100_000), Buffer.alloc(900_000, 0x61)]);
    for (const level of [1, 3]) {
      const frame = libzstd.compress(src, level);
      const { shape } = shapeOf(frame);
      expect(shape.eligible).toBe(true);
      expect(src.length / Math.max(1, shape.sequences)).toBeGreaterThanOrEqual(256);
      const out = await zstdDecompress(frame, { maxLength: src.length, exactLength: src.length });
      expect(Buffer.compare(out, src)).toBe(0);
    }
    // many short sequences (below 256 bytes each): libzstd's, same result
    const busy = repeats(77, 300_000);
    const frame = libzstd.compress(busy, 3);
    const out = await zstdDecompress(frame, { maxLength: busy.length });
    expect(Buffer.compare(out, busy)).toBe(0);
  });

  it('damaged or truncated frames fail as ZstdError, or decode to bytes of the right length', async () => {
    const r = rng(99);
    let failed = 0;
    let tried = 0;
    for (const c of cases.slice(0, 8)) {
      const src = repeats(c.seed, c.size);
      const frame = libzstd.compress(src, c.level);
      const { blocks, shape } = shapeOf(frame);
      if (!shape.eligible || shape.sequences === 0) continue;
      for (let k = 0; k < 40; k++) {
        const bad = frame.slice();
        // inside a compressed block: literals header, sequence header, tables or bitstream
        const b = 3 * r(blocks.length / 3);
        if (blocks[b] !== 2) continue;
        const at = blocks[b + 1]! + r(Math.max(1, blocks[b + 2]!));
        bad[at]! ^= 1 << r(8);
        tried++;
        try {
          const out = decodeRawLiteralFrame(bad, blocks, src.length, undefined);
          expect(out.length).toBe(src.length); // no checksum here: the caller's hash decides
        } catch (e) {
          expect(e).toBeInstanceOf(ZstdError);
          failed++;
        }
      }
      // cut short: the block list no longer fits, which the scan refuses
      for (const cut of [1, 7, frame.length >> 1]) {
        const short = frame.subarray(0, frame.length - cut);
        await expect(zstdDecompress(short, { maxLength: src.length })).rejects.toThrow(ZstdError);
      }
    }
    expect(tried).toBeGreaterThan(50);
    expect(failed).toBeGreaterThan(0);
  });

  it('a declared size unlike the blocks is refused before a byte is trusted', async () => {
    const src = Buffer.concat([randomBytes(50_000), Buffer.alloc(400_000, 1)]);
    const frame = libzstd.compress(src, 3);
    const { blocks, shape } = shapeOf(frame);
    expect(shape.eligible).toBe(true);
    expect(() => decodeRawLiteralFrame(frame, blocks, src.length - 1, undefined)).toThrow(
      ZstdError,
    );
    expect(() => decodeRawLiteralFrame(frame, blocks, src.length + 1, undefined)).toThrow(
      /header says|declared/,
    );
  });
});
