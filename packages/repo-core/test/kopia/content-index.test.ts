// Index blob parsers (spec §10) and the merged compact index (§11.4) on hand-made blobs.
import { describe, expect, it } from 'vitest';

import { IntegrityError } from '../../src/errors.js';
import { ContentIndex } from '../../src/kopia/content-index.js';
import { parseIndexBlob } from '../../src/kopia/index-blob.js';
import { buildIndexV1, buildIndexV2, type TestEntry } from './index-builder.js';

const H = (c: string) => c.repeat(32); // 16-byte hash in hex
const P1 = 'p' + 'a'.repeat(32) + '-s0011223344556677148';
const P2 = 'p' + 'b'.repeat(32) + '-s0011223344556677148';
const Q1 = 'q' + 'c'.repeat(32) + '-s0011223344556677148';

const parse = (b: Uint8Array) => parseIndexBlob(b, 'xn0_test', 28);

describe('index v2', () => {
  const entries: TestEntry[] = [
    { id: H('1'), ts: 1000, pack: P1, offset: 32, packed: 100, original: 72 },
    {
      id: 'k' + H('2'),
      ts: 1001,
      pack: Q1,
      offset: 4096,
      packed: 300_000_000 - 1,
      original: 268_435_455,
      compression: 0x1101,
    },
    { id: 'm' + H('3'), ts: 1002, pack: Q1, offset: 2 ** 30 - 1, packed: 50, deleted: true },
  ];

  for (const size of [16, 17, 18, 19]) {
    it(`decodes every field with entrySize ${size}`, () => {
      const small = size < 19 ? entries.map((e) => ({ ...e, packed: 100, original: 72 })) : entries;
      const one = size < 17 ? small.map((e) => ({ ...e, compression: 0 })) : small;
      const b = parse(buildIndexV2(one, size));
      expect(b.count).toBe(3);
      expect(b.keySize).toBe(17);
      const rows = [...Array(b.count).keys()].map((i) => ({
        ts: b.timestamp(i),
        deleted: b.deleted(i),
        offset: b.packOffset(i),
        packed: b.packedLength(i),
        original: b.originalLength(i),
        pack: b.packs[b.packIndex(i)],
        compression: b.formats[b.formatIndex(i)]?.compressionHeaderId,
      }));
      expect(rows[0]).toEqual({
        ts: 1000,
        deleted: false,
        offset: 32,
        packed: 100,
        original: 72,
        pack: P1,
        compression: 0,
      });
      expect(rows[2]!.deleted).toBe(true);
      expect(rows[2]!.offset).toBe(2 ** 30 - 1);
      if (size === 19) {
        expect(rows[1]).toMatchObject({
          packed: 299_999_999 & 0xfffffff,
          original: 268_435_455,
          compression: 0x1101,
        });
      }
    });
  }

  it('rejects bad headers and sections that do not fit', () => {
    const good = buildIndexV2(entries);
    const badEntrySize = good.slice();
    badEntrySize[3] = 20;
    expect(() => parse(badEntrySize)).toThrow(IntegrityError);
    const huge = good.slice();
    huge.set([0x7f, 0xff, 0xff, 0xff], 4); // entryCount
    expect(() => parse(huge)).toThrow(/do not fit/);
    expect(() => parse(good.subarray(0, 10))).toThrow(IntegrityError);
    const keySize1 = good.slice();
    keySize1[1] = 1;
    expect(() => parse(keySize1)).toThrow(IntegrityError);
    expect(() => parse(Uint8Array.of(3, 0, 0))).toThrow(/unknown version/);
  });
});

describe('index v1', () => {
  it('decodes entries and derives originalLength from the AEAD overhead', () => {
    const b = parse(
      buildIndexV1([
        { id: H('1'), ts: 2 ** 40 + 5, pack: P1, offset: 10, packed: 128 },
        { id: 'k' + H('2'), ts: 7, pack: P2, offset: 20, packed: 40, deleted: true },
      ]),
    );
    expect(b.version).toBe(1);
    expect(b.timestamp(0)).toBe(2 ** 40 + 5);
    expect(b.originalLength(0)).toBe(100);
    expect(b.packs[b.packIndex(1)]).toBe(P2);
    expect(b.deleted(1)).toBe(true);
  });

  it('accepts the empty index (keySize 255)', () => {
    const b = parse(Uint8Array.of(1, 255, 0, 20, 0, 0, 0, 0));
    expect(b.count).toBe(0);
    expect(ContentIndex.merge([b]).count).toBe(0);
  });
});

describe('ContentIndex.merge', () => {
  const e = (over: Partial<TestEntry>): TestEntry => ({
    id: H('1'),
    ts: 100,
    pack: P1,
    offset: 0,
    packed: 60,
    ...over,
  });

  it('keeps the newer entry, then the non-deleted one, then the larger pack id', () => {
    const a = parse(
      buildIndexV2([
        e({ ts: 100, offset: 1 }),
        e({ id: H('2'), ts: 100, deleted: true, offset: 2 }),
        e({ id: H('3'), ts: 5, pack: P1, offset: 3 }),
      ]),
    );
    const b = parse(
      buildIndexV2([
        e({ ts: 99, offset: 9 }),
        e({ id: H('2'), ts: 100, offset: 8 }),
        e({ id: H('3'), ts: 5, pack: P2, offset: 7 }),
      ]),
    );
    const ix = ContentIndex.merge([a, b]);
    expect(ix.count).toBe(3);
    expect(ix.get(H('1'))?.packOffset).toBe(1);
    expect(ix.get(H('2'))).toMatchObject({ deleted: false, packOffset: 8 });
    expect(ix.get(H('3'))).toMatchObject({ packBlobId: P2, packOffset: 7 });
    // same result whichever order the blobs come in
    const ix2 = ContentIndex.merge([b, a]);
    for (const id of [H('1'), H('2'), H('3')]) expect(ix2.get(id)).toEqual(ix.get(id));
  });

  it('drops deleted winners at or before the watermark, keeps newer ones flagged', () => {
    const a = parse(
      buildIndexV2([
        e({ id: H('1'), ts: 100, deleted: true }),
        e({ id: H('2'), ts: 101, deleted: true }),
        e({ id: 'm' + H('4'), ts: 50 }),
        e({ id: 'm' + H('5'), ts: 50, deleted: true }),
      ]),
    );
    const ix = ContentIndex.merge([a], 100);
    expect(ix.get(H('1'))).toBeUndefined();
    expect(ix.get(H('2'))?.deleted).toBe(true);
    expect([...ix.withPrefix('m')].map((i) => i.contentId)).toEqual(['m' + H('4')]);
    expect([...ix.withPrefix('m', true)].length).toBe(1); // m…5 is gone: deleted at 50 ≤ 100
    expect([...ix.all(true)].length).toBe(2);
    expect([...ix.all()].length).toBe(1);
  });

  it('iterates prefixes in key order: unprefixed first, then g..z', () => {
    const ids = ['k' + H('1'), H('f'), 'x' + H('2'), H('0'), 'm' + H('9'), 'k' + H('0')];
    const ix = ContentIndex.merge([parse(buildIndexV2(ids.map((id) => e({ id }))))]);
    expect([...ix.all()].map((i) => i.contentId)).toEqual([
      H('0'),
      H('f'),
      'k' + H('0'),
      'k' + H('1'),
      'm' + H('9'),
      'x' + H('2'),
    ]);
    expect([...ix.withPrefix('k')].length).toBe(2);
    expect([...ix.withPrefix('k1')].map((i) => i.contentId)).toEqual(['k' + H('1')]);
    expect(ix.get('k' + H('5'))).toBeUndefined();
    expect(ix.get('k' + 'ab'.repeat(32))).toBeUndefined(); // other key size
  });

  it('costs 34 bytes per content with 128-bit hashes', () => {
    const ids = [...Array(1000).keys()].map((i) => i.toString(16).padStart(32, '0'));
    const ix = ContentIndex.merge([parse(buildIndexV2(ids.map((id) => e({ id }))))]);
    expect(ix.byteSize / ix.count).toBe(34);
  });

  it('rejects blobs that disagree on the key size, and unsorted blobs', () => {
    const a = parse(buildIndexV2([e({ id: H('1') })]));
    const b = parse(buildIndexV2([e({ id: 'ab'.repeat(32) })]));
    expect(() => ContentIndex.merge([a, b])).toThrow(/key size/);
    const bytes = buildIndexV2([e({ id: H('1') }), e({ id: H('2') })]);
    // swap the two keys in place
    const k1 = bytes.slice(17, 34);
    bytes.copyWithin(17, 17 + 36, 17 + 36 + 17);
    bytes.set(k1, 17 + 36);
    expect(() => ContentIndex.merge([parse(bytes)])).toThrow(/not sorted/);
  });
});
