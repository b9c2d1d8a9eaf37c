/**
 * RecentValues.share, used by restic's BlobLoader and kopia's ContentReader: recent values are
 * shared, the rest come from one fetch in order, failures and oversize values are not kept.
 */
import { expect, it } from 'vitest';

import { RecentValues } from '../../src/util/recent.js';

const bytes = (s: string) => new TextEncoder().encode(s);

it('shares recent values and fetches only the missing ones, once, in order', async () => {
  const recent = new RecentValues<Uint8Array>(4, 100);
  const calls: string[][] = [];
  const fetch = async (missing: string[]) => {
    calls.push(missing);
    return missing.map(bytes);
  };
  const first = await recent.share(['a', 'b'], (x) => x, fetch);
  expect(first.map((b) => new TextDecoder().decode(b))).toEqual(['a', 'b']);
  const second = await recent.share(['b', 'c', 'a', 'd'], (x) => x, fetch);
  expect(second.map((b) => new TextDecoder().decode(b))).toEqual(['b', 'c', 'a', 'd']);
  expect(second[0]).toBe(first[1]); // the same buffer, not fetched again
  expect(calls).toEqual([
    ['a', 'b'],
    ['c', 'd'],
  ]);
});

it('forgets failed and oversize values, so the next use fetches again', async () => {
  const recent = new RecentValues<Uint8Array>(4, 3);
  let n = 0;
  const failing = async () => {
    n++;
    throw new Error('damaged');
  };
  await expect(recent.share(['x'], (k) => k, failing)).rejects.toThrow('damaged');
  await expect(recent.share(['x'], (k) => k, failing)).rejects.toThrow('damaged');
  expect(n).toBe(2);
  let big = 0;
  const large = async (missing: string[]) => {
    big++;
    return missing.map(() => new Uint8Array(10));
  };
  await recent.share(['y'], (k) => k, large);
  await recent.share(['y'], (k) => k, large);
  expect(big).toBe(2);
});
