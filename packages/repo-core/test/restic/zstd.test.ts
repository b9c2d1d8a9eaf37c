/**
 * zstd decoder: every backend (the system's libzstd through the native helper, WASM libzstd and
 * pure-JS fzstd) on frames made by libzstd,
 * concatenated frames, skippable frames, frames without a content size, and hostile headers.
 */
import { randomBytes } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  forceZstdBackend,
  scanZstdFrames,
  zstdBackend,
  zstdDecompress,
  ZstdError,
  zstdReady,
} from '../../src/compress/zstd.js';
import { libzstd } from './libzstd.js';

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
  await libzstd.init();
  await zstdReady();
});
afterAll(() => forceZstdBackend(undefined));

it('uses the native decoder in Node (the helper scripts/setup.sh builds; never skipped)', () => {
  expect(zstdBackend()).toBe('native');
});

it('loads the WASM decoder when it is asked for', async () => {
  forceZstdBackend('wasm');
  try {
    await zstdReady();
    const src = text(5000);
    const out = await zstdDecompress(libzstd.compress(src, 3), { maxLength: src.length });
    expect(Buffer.compare(out, src)).toBe(0);
  } finally {
    forceZstdBackend(undefined);
  }
});

describe.each(['native', 'wasm', 'js'] as const)('%s backend', (backend) => {
  beforeAll(() => forceZstdBackend(backend));

  it('decodes libzstd frames and checks the bound', async () => {
    const src = text(3 * 1024 * 1024 + 17);
    const frame = libzstd.compress(src, 3);
    const out = await zstdDecompress(frame, { maxLength: src.length });
    expect(Buffer.compare(out, src)).toBe(0);
    await expect(zstdDecompress(frame, { maxLength: src.length - 1 })).rejects.toThrow(ZstdError);
    await expect(
      zstdDecompress(frame, { maxLength: src.length, exactLength: src.length + 1 }),
    ).rejects.toThrow(ZstdError);
  });

  it('decodes into a slot of a larger buffer, filling it exactly', async () => {
    const src = text(200_000);
    const frame = libzstd.compress(src, 3);
    const big = new Uint8Array(src.length + 20).fill(7);
    const slot = big.subarray(10, 10 + src.length);
    const out = await zstdDecompress(frame, { maxLength: 0, into: slot });
    expect(out.buffer).toBe(big.buffer);
    expect(out.byteOffset).toBe(10);
    expect(Buffer.compare(out, src)).toBe(0);
    expect([...big.subarray(0, 10), ...big.subarray(10 + src.length)]).toEqual(
      new Array(20).fill(7),
    );
    // a slot that is too small or too large is an error, never a partial or overrun write
    const small = new Uint8Array(src.length + 8).fill(7);
    await expect(
      zstdDecompress(frame, { maxLength: 0, into: small.subarray(4, 4 + src.length - 1) }),
    ).rejects.toThrow(ZstdError);
    expect([...small.subarray(small.length - 4)]).toEqual([7, 7, 7, 7]);
    await expect(
      zstdDecompress(frame, { maxLength: 0, into: new Uint8Array(src.length + 1) }),
    ).rejects.toThrow(ZstdError);
    // stored-only frames (copied without the decoder) go into the slot too
    const rand = randomBytes(100_000);
    const stored = Uint8Array.from(libzstd.compress(rand, 3));
    const slot2 = new Uint8Array(rand.length);
    const out2 = await zstdDecompress(stored, { maxLength: 0, inPlace: true, into: slot2 });
    expect(out2.buffer).toBe(slot2.buffer);
    expect(Buffer.compare(out2, rand)).toBe(0);
  });

  it('decodes concatenated, skippable and size-less frames', async () => {
    const a = text(1000);
    const b = text(70000);
    const input = Buffer.concat([
      libzstd.compress(a, 3),
      skippable,
      rawFrameNoSize(b.subarray(0, 500)),
    ]);
    expect(scanZstdFrames(input)).toEqual({
      frames: 2,
      contentSize: undefined,
      storedSize: undefined,
      checksums: 0,
      dictionaries: 0,
    });
    const out = await zstdDecompress(input, { maxLength: 10_000 });
    expect(Buffer.compare(out, Buffer.concat([a, b.subarray(0, 500)]))).toBe(0);
    await expect(zstdDecompress(input, { maxLength: 1200 })).rejects.toThrow(ZstdError);
  });

  it('rejects garbage, truncation and lying headers without allocating', async () => {
    await expect(
      zstdDecompress(new Uint8Array([1, 2, 3, 4, 5]), { maxLength: 10 }),
    ).rejects.toThrow(ZstdError);
    const frame = libzstd.compress(text(5000), 3);
    await expect(
      zstdDecompress(frame.subarray(0, frame.length - 3), { maxLength: 10_000 }),
    ).rejects.toThrow(ZstdError);
    // single-segment frame claiming 2^40 bytes
    const huge = new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 0xe0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0]);
    await expect(zstdDecompress(huge, { maxLength: 1 << 20 })).rejects.toThrow(ZstdError);
  });
});

/** A block header (RFC 8878 §3.1.1.2): last flag, type (0 raw, 1 RLE, 2 compressed), size. */
function blockHeader(last: boolean, type: number, size: number): number[] {
  const bh = (size << 3) | (type << 1) | (last ? 1 : 0);
  return [bh & 0xff, (bh >> 8) & 0xff, (bh >> 16) & 0xff];
}

describe('stored-only frames (Raw and RLE blocks) are copied without a decoder', () => {
  it('finds them in libzstd output for random data and decodes them as libzstd does', async () => {
    const src = randomBytes(700_000);
    const frame = libzstd.compress(src, 3);
    const scan = scanZstdFrames(frame);
    expect(scan.storedSize).toBe(src.length);
    const out = await zstdDecompress(frame, { maxLength: src.length, exactLength: src.length });
    expect(Buffer.compare(out, src)).toBe(0);
    await expect(zstdDecompress(frame, { maxLength: src.length - 1 })).rejects.toThrow(ZstdError);
  });

  it('decodes Raw and RLE blocks across frames, with skippable frames between', async () => {
    const a = randomBytes(300);
    const hdr = [0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x58];
    const f1 = [...hdr, ...blockHeader(false, 0, a.length), ...a, ...blockHeader(true, 1, 1000), 7];
    const f2 = [...hdr, ...blockHeader(true, 0, 5), 1, 2, 3, 4, 5];
    const input = new Uint8Array([...f1, ...skippable, ...f2]);
    expect(scanZstdFrames(input)).toEqual({
      frames: 2,
      contentSize: undefined,
      storedSize: 1305,
      checksums: 0,
      dictionaries: 0,
    });
    const want = Buffer.concat([a, Buffer.alloc(1000, 7), Buffer.from([1, 2, 3, 4, 5])]);
    for (const backend of ['native', 'wasm', 'js'] as const) {
      forceZstdBackend(backend);
      const out = await zstdDecompress(input, { maxLength: 2000 });
      expect(Buffer.compare(out, want)).toBe(0);
    }
    forceZstdBackend(undefined);
    await expect(zstdDecompress(input, { maxLength: 1304 })).rejects.toThrow(ZstdError);
  });

  it('decodes in place over the input when asked, unless an RLE block would overtake it', async () => {
    const src = randomBytes(300_000);
    const frame = libzstd.compress(src, 3);
    const input = Uint8Array.from(frame);
    const out = await zstdDecompress(input, { maxLength: src.length, inPlace: true });
    expect(Buffer.compare(out, src)).toBe(0);
    expect(out.buffer).toBe(input.buffer); // a view of the input: nothing allocated
    // Raw 5, RLE 1000 right after: the fill would overwrite the input's next block
    const hdr = [0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x58];
    const tail = randomBytes(200);
    const mixed = new Uint8Array([
      ...hdr,
      ...blockHeader(false, 0, 5),
      1,
      2,
      3,
      4,
      5,
      ...blockHeader(false, 1, 1000),
      9,
      ...blockHeader(true, 0, tail.length),
      ...tail,
    ]);
    const copy = mixed.slice();
    const want = Buffer.concat([Buffer.from([1, 2, 3, 4, 5]), Buffer.alloc(1000, 9), tail]);
    const got = await zstdDecompress(mixed, { maxLength: 2000, inPlace: true });
    expect(Buffer.compare(got, want)).toBe(0);
    expect(Buffer.compare(mixed, copy)).toBe(0); // untouched: decoded into a new buffer
  });

  it('leaves frames with a compressed block or a checksum to the decoder', () => {
    expect(scanZstdFrames(libzstd.compress(text(5000), 3)).storedSize).toBeUndefined();
    // checksum flag (bit 2) set: libzstd verifies XXH64, so the copy path must not take it
    const withSum = new Uint8Array([
      0x28,
      0xb5,
      0x2f,
      0xfd,
      0x04,
      0x58,
      ...blockHeader(true, 0, 3),
      1,
      2,
      3,
      0,
      0,
      0,
      0,
    ]);
    const scan = scanZstdFrames(withSum);
    expect(scan.frames).toBe(1);
    expect(scan.storedSize).toBeUndefined();
  });

  it('checks a declared content size against the stored length', async () => {
    // single segment, 1-byte content size 4, but the raw block holds 3 bytes
    const lying = new Uint8Array([
      0x28,
      0xb5,
      0x2f,
      0xfd,
      0x20,
      4,
      ...blockHeader(true, 0, 3),
      1,
      2,
      3,
    ]);
    await expect(zstdDecompress(lying, { maxLength: 100 })).rejects.toThrow(ZstdError);
  });
});

/** the block types of a frame, in order (0 Raw, 1 RLE, 2 Compressed) */
function blockTypes(frame: Uint8Array): number[] {
  const types: number[] = [];
  scanZstdFrames(frame, (type) => types.push(type));
  return types;
}

/** Raw/RLE output after the frame's last compressed block */
function tailBytes(frame: Uint8Array): number {
  let tail = 0;
  scanZstdFrames(frame, (type, _pos, size) => {
    tail = type === 2 ? 0 : tail + size;
  });
  return tail;
}

describe('frames whose compressed blocks are followed by Raw/RLE blocks (split decoding)', () => {
  beforeAll(() => forceZstdBackend('wasm'));
  afterAll(() => forceZstdBackend(undefined));

  /** libzstd frames of `src` at several levels: decoded alone and into a slot, equal to src */
  async function roundTrip(src: Uint8Array): Promise<Uint8Array[]> {
    const frames: Uint8Array[] = [];
    for (const level of [1, 3, 9]) {
      const frame = libzstd.compress(src, level);
      frames.push(frame);
      const out = await zstdDecompress(frame, { maxLength: src.length, exactLength: src.length });
      expect(Buffer.compare(out, src)).toBe(0);
      const big = new Uint8Array(src.length + 10).fill(0xee);
      const slot = big.subarray(5, 5 + src.length);
      const got = await zstdDecompress(frame, { maxLength: src.length, into: slot });
      expect(got.buffer).toBe(big.buffer);
      expect(Buffer.compare(got, src)).toBe(0);
      expect(big.subarray(0, 5).every((x) => x === 0xee)).toBe(true);
      expect(big.subarray(5 + src.length).every((x) => x === 0xee)).toBe(true);
    }
    return frames;
  }

  it('random bytes then a long run of one byte: Raw, Compressed, then RLE blocks', async () => {
    const src = Buffer.concat([randomBytes(300 * 1024), Buffer.alloc(1500 * 1024, 0x61)]);
    const frames = await roundTrip(src);
    for (const f of frames) {
      expect(blockTypes(f)).toContain(2);
      expect(tailBytes(f)).toBeGreaterThanOrEqual(64 * 1024); // the split path ran
    }
  });

  it('matches reaching back into the Raw blocks before the compressed span', async () => {
    // the second copy of `r` is all matches into the first, which libzstd stores as Raw blocks
    const r = randomBytes(200 * 1024);
    const src = Buffer.concat([r, r, Buffer.alloc(400 * 1024)]);
    const frames = await roundTrip(src);
    const f = frames[1]!;
    expect(blockTypes(f)[0]).toBe(0);
    expect(tailBytes(f)).toBeGreaterThanOrEqual(64 * 1024);
  });

  it('several compressed blocks with Raw and RLE blocks between them and after', async () => {
    const parts: Buffer[] = [];
    for (let i = 0; i < 6; i++)
      parts.push(
        randomBytes(40_000 + i * 9000),
        Buffer.from(text(70_000)),
        Buffer.alloc(150_000, i),
      );
    parts.push(Buffer.alloc(300_000, 0));
    await roundTrip(Buffer.concat(parts));
  });

  it('random layouts decode as the source (a seeded mix of random, text and runs)', async () => {
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    for (let k = 0; k < 12; k++) {
      const parts: Uint8Array[] = [];
      const count = 1 + rnd(6);
      for (let i = 0; i < count; i++) {
        const n = 1 + rnd(300_000);
        const kind = rnd(3);
        parts.push(kind === 0 ? randomBytes(n) : kind === 1 ? text(n) : Buffer.alloc(n, rnd(256)));
      }
      await roundTrip(Buffer.concat(parts));
    }
  });

  it('a damaged compressed block or a lying content size is a ZstdError, never wrong bytes', async () => {
    const src = Buffer.concat([Buffer.from(text(200_000)), Buffer.alloc(600_000, 7)]);
    const frame = libzstd.compress(src, 3);
    expect(tailBytes(frame)).toBeGreaterThanOrEqual(64 * 1024);
    let compressedAt = -1;
    scanZstdFrames(frame, (type, pos) => {
      if (type === 2 && compressedAt < 0) compressedAt = pos;
    });
    let caught = 0;
    for (const delta of [0, 5, 40, 300]) {
      const bad = frame.slice();
      bad[compressedAt + delta]! ^= 0xff;
      try {
        const out = await zstdDecompress(bad, { maxLength: src.length, exactLength: src.length });
        // zstd carries no checksum here: a flip may decode to other bytes of the right length,
        // which the caller's hash check (restic's blob id) catches; but never the wrong length
        expect(out.length).toBe(src.length);
      } catch (e) {
        expect(e).toBeInstanceOf(ZstdError);
        caught++;
      }
    }
    expect(caught).toBeGreaterThan(0);
    // content size field (single segment, 4 bytes after the descriptor) one more than the blocks
    const fhd = frame[4]!;
    expect(fhd >> 6).toBe(2);
    const lying = frame.slice();
    const dv = new DataView(lying.buffer);
    const at = 5 + ((fhd >> 5) & 1 ? 0 : 1);
    dv.setUint32(at, dv.getUint32(at, true) + 1, true);
    await expect(zstdDecompress(lying, { maxLength: src.length + 1 })).rejects.toThrow(ZstdError);
  });
});
