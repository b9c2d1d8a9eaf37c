/**
 * The in-memory blob index (spec §9.3) against a brute-force map: ids sharing their first bytes,
 * ids at both ends of the prefix range, the same id as data and tree, duplicate copies in
 * several packs, and ids that are absent.
 */
import { randomBytes } from 'node:crypto';

import { expect, it } from 'vitest';

import { BlobIndexBuilder, type BlobType } from '../../src/restic/blob-index.js';
import { toHex } from '../../src/restic/ids.js';

it('finds every copy of every blob and nothing else', () => {
  const ids: Uint8Array[] = [];
  for (let i = 0; i < 3000; i++) ids.push(randomBytes(32));
  // crowded prefixes and the extremes of the 16-bit bucket range
  for (const p of [0x0000, 0x0001, 0x7fff, 0xfffe, 0xffff])
    for (let i = 0; i < 40; i++) {
      const id = randomBytes(32);
      id[0] = p >> 8;
      id[1] = p & 0xff;
      ids.push(id);
    }
  ids.push(new Uint8Array(32), new Uint8Array(32).fill(0xff));
  const b = new BlobIndexBuilder();
  const want = new Map<string, { pack: string; offset: number }[]>();
  const packs = Array.from({ length: 7 }, () => toHex(randomBytes(32)));
  const add = (id: Uint8Array, type: BlobType, pack: string, offset: number) => {
    b.add(id, type, b.packNumber(pack), offset, 100, 0);
    const key = `${type}:${toHex(id)}`;
    const list = want.get(key) ?? [];
    list.push({ pack, offset });
    want.set(key, list);
  };
  ids.forEach((id, i) => {
    add(id, i % 5 === 0 ? 'tree' : 'data', packs[i % packs.length]!, i * 10);
    if (i % 11 === 0) add(id, 'data', packs[(i + 3) % packs.length]!, i * 10 + 1); // second copy
  });
  const ix = b.build();
  for (const [key, copies] of want) {
    const [type, hex] = key.split(':') as [BlobType, string];
    const got = ix.lookup(type, hex).map((l) => ({ pack: l.packId, offset: l.offset }));
    expect(got.sort((x, y) => x.offset - y.offset)).toEqual(
      copies.sort((x, y) => x.offset - y.offset),
    );
    expect(ix.has(type, Buffer.from(hex, 'hex'))).toBe(true);
  }
  for (let i = 0; i < 2000; i++) {
    const id = randomBytes(32);
    if (i % 2) id.set(ids[i]!.subarray(0, 4)); // shares a prefix with a stored id
    expect(ix.lookup('data', toHex(id))).toEqual([]);
    expect(ix.lookup('tree', toHex(id))).toEqual([]);
  }
  expect(new BlobIndexBuilder().build().lookup('data', toHex(randomBytes(32)))).toEqual([]);
});
