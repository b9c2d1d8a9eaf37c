/**
 * Test-only encoders for index blobs v1 and v2 (spec §10.2, §10.3), so the parsers and the
 * merge can be pinned on hand-made entries with exact expectations. Real indexes made by kopia
 * are covered by the fixture tests.
 */
import { contentIdToKey } from '../../src/kopia/ids.js';

export interface TestEntry {
  id: string;
  ts: number;
  pack: string;
  offset: number;
  packed: number;
  original?: number;
  deleted?: boolean;
  compression?: number;
}

const be = (n: number, bytes: number): number[] => {
  const out: number[] = [];
  for (let i = bytes - 1; i >= 0; i--) out.push(Math.floor(n / 2 ** (8 * i)) & 255);
  return out;
};

function sortedByKey(entries: TestEntry[]): { e: TestEntry; key: Uint8Array }[] {
  return entries
    .map((e) => ({ e, key: contentIdToKey(e.id) }))
    .sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
}

export function buildIndexV2(entries: TestEntry[], entrySize = 19): Uint8Array {
  const rows = sortedByKey(entries);
  const keySize = rows[0]!.key.length;
  const packs = [...new Set(entries.map((e) => e.pack))];
  const formats = [...new Set(entries.map((e) => e.compression ?? 0))];
  const stride = keySize + entrySize;
  const packsOff = 17 + rows.length * stride;
  const formatsOff = packsOff + packs.length * 5;
  let namesOff = formatsOff + formats.length * 6;
  const out: number[] = [
    2,
    keySize,
    ...be(entrySize, 2),
    ...be(rows.length, 4),
    ...be(packs.length, 4),
    formats.length,
    ...be(0, 4),
  ];
  for (const { e, key } of rows) {
    const pi = packs.indexOf(e.pack);
    const fi = formats.indexOf(e.compression ?? 0);
    const orig = e.original ?? e.packed - 28;
    const v = [
      ...be(e.ts, 4),
      ...be(e.offset + (e.deleted ? 0x80000000 : 0), 4),
      ...be(orig & 0xffffff, 3),
      ...be(e.packed & 0xffffff, 3),
      ...be(pi & 0xffff, 2),
      fi,
      (pi >> 16) & 255,
      ((Math.floor(orig / 2 ** 24) & 15) << 4) | (Math.floor(e.packed / 2 ** 24) & 15),
    ].slice(0, entrySize);
    out.push(...key, ...v);
  }
  const names: number[] = [];
  for (const p of packs) {
    out.push(p.length, ...be(namesOff, 4));
    names.push(...Buffer.from(p, 'ascii'));
    namesOff += p.length;
  }
  for (const f of formats) out.push(...be(f, 4), 2, 0);
  out.push(...names, ...new Array<number>(32).fill(7)); // trailing random bytes, ignored
  return Uint8Array.from(out);
}

export function buildIndexV1(entries: TestEntry[]): Uint8Array {
  const rows = sortedByKey(entries);
  const keySize = rows[0]!.key.length;
  const stride = keySize + 20;
  let namesOff = 8 + rows.length * stride;
  const nameAt = new Map<string, number>();
  const names: number[] = [];
  for (const { e } of rows) {
    if (nameAt.has(e.pack)) continue;
    nameAt.set(e.pack, namesOff);
    names.push(...Buffer.from(e.pack, 'ascii'));
    namesOff += e.pack.length;
  }
  const out: number[] = [1, keySize, ...be(20, 2), ...be(rows.length, 4)];
  for (const { e, key } of rows) {
    out.push(
      ...key,
      ...be(e.ts, 6),
      1,
      e.pack.length,
      ...be(nameAt.get(e.pack)!, 4),
      ...be(e.offset + (e.deleted ? 0x80000000 : 0), 4),
      ...be(e.packed, 4),
    );
  }
  out.push(...names);
  return Uint8Array.from(out);
}
