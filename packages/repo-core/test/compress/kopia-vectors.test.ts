/**
 * kopia's decompressors against streams written by kopia v0.22.3's own compressors and by the
 * libraries it pins (klauspost/compress s2, pierrec/lz4 v2, plus the lz4 CLI for block-dependent
 * frames); see ../vectors/README.md. Outputs are checked by length and SHA-256 of the original.
 * gzip/deflate run on both paths (node:zlib and fflate), proven by `cryptoUsage`.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';

import { gunzip, inflateRaw } from '../../src/compress/gzip.js';
import type { Decompressor } from '../../src/compress/limits.js';
import { decodeLz4Frame } from '../../src/compress/lz4.js';
import { decodeS2Stream } from '../../src/compress/s2.js';
import { zstdDecompress } from '../../src/compress/zstd.js';
import {
  cryptoUsage,
  resetCryptoUsage,
  setCryptoPath,
  type CryptoPath,
} from '../../src/crypto/select.js';
import { IntegrityError } from '../../src/errors.js';

interface Vector {
  file: string;
  codec: string;
  headerId: number | null;
  sample: string;
  length: number;
  sha256: string;
}
const dir = new URL('../vectors/compress/', import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('manifest.json', dir), 'utf8')) as {
  vectors: Vector[];
};
const load = (v: Vector) => new Uint8Array(readFileSync(new URL(v.file, dir)));
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** The decoder for a kopia compressor name (spec §7.1 table) or a raw-stream codec. */
function decoderFor(codec: string): Decompressor | 'zstd' {
  if (codec.startsWith('gzip') || codec.startsWith('pgzip')) return gunzip;
  if (codec.startsWith('deflate')) return inflateRaw;
  if (codec.startsWith('s2')) return decodeS2Stream;
  if (codec === 'lz4') return decodeLz4Frame;
  if (codec.startsWith('zstd')) return 'zstd';
  throw new Error(`no decoder for ${codec}`);
}

/** Strip and check the 4-byte big-endian kopia compression header. */
function payload(v: Vector, data: Uint8Array): Uint8Array {
  if (v.headerId === null) return data;
  const id = new DataView(data.buffer, data.byteOffset).getUint32(0, false);
  expect(id, v.file).toBe(v.headerId);
  return data.subarray(4);
}

afterAll(() => setCryptoPath('auto'));

it('the vector set covers every codec kopia v0.22.3 registers', () => {
  const codecs = new Set(manifest.vectors.map((v) => v.codec));
  for (const c of ['gzip', 'pgzip', 'deflate-default', 's2-default', 's2-parallel-8', 'lz4']) {
    expect(codecs.has(c), c).toBe(true);
  }
  expect(manifest.vectors.some((v) => v.sample === 'big' && v.codec === 'lz4')).toBe(true);
  expect(manifest.vectors.length).toBeGreaterThan(100);
});

describe.each<CryptoPath>(['portable', 'fast'])('%s path', (path) => {
  it('decodes every vector to the original bytes', async () => {
    setCryptoPath(path);
    resetCryptoUsage();
    for (const v of manifest.vectors) {
      const dec = decoderFor(v.codec);
      const input = payload(v, load(v));
      // kopia's zstd (klauspost encoder) writes no frame at all for an empty input: the
      // payload is just the 4-byte header. A kopia reader must map that to empty output.
      if (dec === 'zstd' && input.length === 0) {
        expect(v.length).toBe(0);
        continue;
      }
      const out =
        dec === 'zstd'
          ? await zstdDecompress(input, { maxLength: v.length })
          : dec(input, v.length);
      expect(out.length, v.file).toBe(v.length);
      expect(sha(out), v.file).toBe(v.sha256);
    }
    const other = path === 'fast' ? 'portable' : 'fast';
    for (const p of ['gunzip', 'inflate-raw']) {
      expect(cryptoUsage[p]?.[path] ?? 0, p).toBeGreaterThan(0);
      expect(cryptoUsage[p]?.[other] ?? 0, p).toBe(0);
    }
  });

  it('refuses to produce one byte more than maxOutput', () => {
    setCryptoPath(path);
    for (const v of manifest.vectors) {
      const dec = decoderFor(v.codec);
      if (dec === 'zstd' || v.length === 0) continue;
      const input = payload(v, load(v));
      expect(() => dec(input, v.length - 1), v.file).toThrow(IntegrityError);
    }
  });
});

describe('hostile input', () => {
  const pick = (codec: string, sample: string) =>
    manifest.vectors.find((v) => v.codec === codec && v.sample === sample)!;

  it('a zip bomb stops at the limit (1 MiB of zeros, limit 1000)', () => {
    for (const codec of ['s2-default', 'lz4', 'gzip', 'deflate-default']) {
      const v = pick(codec, 'zeros');
      const dec = decoderFor(codec) as Decompressor;
      expect(() => dec(payload(v, load(v)), 1000), codec).toThrow(/beyond the 1000-byte limit/);
    }
  });

  it('flipped bytes and truncations are IntegrityErrors, never crashes or wrong output', () => {
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const cases = ['s2-default', 's2-better', 'lz4', 'gzip', 'deflate-default', 'pgzip'];
    for (const codec of cases) {
      for (const sample of ['text', 'repeats']) {
        const v = pick(codec, sample);
        const good = payload(v, load(v));
        const dec = decoderFor(codec) as Decompressor;
        for (let i = 0; i < 150; i++) {
          const bad = good.slice(0, i % 10 === 0 ? rnd(good.length) : good.length);
          if (bad.length === good.length) bad[rnd(bad.length)]! ^= 1 << rnd(8);
          let out: Uint8Array | undefined;
          try {
            out = dec(bad, v.length);
          } catch (e) {
            expect(e, `${codec} ${sample} #${i}`).toBeInstanceOf(IntegrityError);
          }
          // S2 and LZ4 checksum every block, so any output they return is the original.
          if (out && (codec.startsWith('s2') || codec === 'lz4')) {
            expect(sha(out), `${codec} ${sample} #${i}`).toBe(v.sha256);
          }
        }
      }
    }
  });

  it('rejects S2 streams without an identifier and with reserved chunks', () => {
    const v = pick('s2-default', 'text');
    const good = payload(v, load(v));
    expect(() => decodeS2Stream(good.subarray(10), v.length)).toThrow(IntegrityError);
    const reserved = new Uint8Array([...good.subarray(0, 10), 0x02, 0, 0, 0]);
    expect(() => decodeS2Stream(reserved, v.length)).toThrow(/reserved/);
    expect(decodeS2Stream(new Uint8Array(0), 0).length).toBe(0);
  });
});
