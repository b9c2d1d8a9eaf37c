/**
 * zstd decoder: both backends (WASM libzstd and pure-JS fzstd) on frames made by libzstd,
 * concatenated frames, skippable frames, frames without a content size, and hostile headers.
 */
import { createRequire } from 'node:module';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  forceZstdBackend,
  scanZstdFrames,
  zstdBackend,
  zstdDecompress,
  ZstdError,
  zstdReady,
} from '../../src/compress/zstd.js';

const require = createRequire(import.meta.url);
const bw = require('@bokuweb/zstd-wasm') as {
  init(): Promise<void>;
  compress(b: Uint8Array, level?: number): Uint8Array;
};

function text(n: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = 1;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = 97 + ((x >>> 16) % 7);
  }
  return out;
}

/** A frame without Frame_Content_Size: one raw (stored) block. RFC 8878 §3.1.1. */
function rawFrameNoSize(data: Uint8Array): Uint8Array {
  const hdr = [0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x58 /* window 2^(10+11) */];
  const bh = (data.length << 3) | (0 << 1) | 1;
  return new Uint8Array([...hdr, bh & 0xff, (bh >> 8) & 0xff, (bh >> 16) & 0xff, ...data]);
}

const skippable = new Uint8Array([0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 9, 9, 9]);

beforeAll(async () => {
  await bw.init();
  await zstdReady();
});
afterAll(() => forceZstdBackend(undefined));

it('loads the WASM decoder in Node', () => {
  expect(zstdBackend()).toBe('wasm');
});

describe.each(['wasm', 'js'] as const)('%s backend', (backend) => {
  beforeAll(() => forceZstdBackend(backend));

  it('decodes libzstd frames and checks the bound', async () => {
    const src = text(3 * 1024 * 1024 + 17);
    const frame = bw.compress(src, 3);
    const out = await zstdDecompress(frame, { maxLength: src.length });
    expect(Buffer.compare(out, src)).toBe(0);
    await expect(zstdDecompress(frame, { maxLength: src.length - 1 })).rejects.toThrow(ZstdError);
    await expect(
      zstdDecompress(frame, { maxLength: src.length, exactLength: src.length + 1 }),
    ).rejects.toThrow(ZstdError);
  });

  it('decodes concatenated, skippable and size-less frames', async () => {
    const a = text(1000);
    const b = text(70000);
    const input = Buffer.concat([bw.compress(a, 3), skippable, rawFrameNoSize(b.subarray(0, 500))]);
    expect(scanZstdFrames(input)).toEqual({ frames: 2, contentSize: undefined });
    const out = await zstdDecompress(input, { maxLength: 10_000 });
    expect(Buffer.compare(out, Buffer.concat([a, b.subarray(0, 500)]))).toBe(0);
    await expect(zstdDecompress(input, { maxLength: 1200 })).rejects.toThrow(ZstdError);
  });

  it('rejects garbage, truncation and lying headers without allocating', async () => {
    await expect(
      zstdDecompress(new Uint8Array([1, 2, 3, 4, 5]), { maxLength: 10 }),
    ).rejects.toThrow(ZstdError);
    const frame = bw.compress(text(5000), 3);
    await expect(
      zstdDecompress(frame.subarray(0, frame.length - 3), { maxLength: 10_000 }),
    ).rejects.toThrow(ZstdError);
    // single-segment frame claiming 2^40 bytes
    const huge = new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 0xe0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0]);
    await expect(zstdDecompress(huge, { maxLength: 1 << 20 })).rejects.toThrow(ZstdError);
  });
});
