/**
 * Prefetcher (util/prefetch.ts), behind the formats' prefetchDirs: loads start on a hint, a few
 * at a time, and are handed to the take that comes later; memory stays bounded; failures reach
 * the taker and nobody else.
 */
import { expect, it } from 'vitest';

import { Prefetcher } from '../../src/util/prefetch.js';

const bytes = (n: number) => new Uint8Array(n);

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((a, b) => ((resolve = a), (reject = b)));
  return { promise, resolve, reject };
}

it('starts at most `concurrency` loads, the next as one ends, and hands each to its take', async () => {
  const p = new Prefetcher<Uint8Array>(2, 10);
  const started: string[] = [];
  const gates = new Map<string, ReturnType<typeof deferred<Uint8Array>>>();
  for (const k of ['a', 'b', 'c', 'd']) {
    gates.set(k, deferred<Uint8Array>());
    p.hint(k, () => {
      started.push(k);
      return gates.get(k)!.promise;
    });
  }
  await new Promise((r) => setImmediate(r));
  expect(started).toEqual(['a', 'b']);
  gates.get('a')!.resolve(bytes(1));
  await new Promise((r) => setImmediate(r));
  expect(started).toEqual(['a', 'b', 'c']);
  expect((await p.take('a'))!.length).toBe(1);
  expect(p.take('a')).toBeUndefined(); // handed over once
  expect(p.take('zzz')).toBeUndefined(); // never hinted
  // a take of a load still queued starts it at once: its caller is waiting
  const d = p.take('d')!;
  await new Promise((r) => setImmediate(r));
  expect(started).toEqual(['a', 'b', 'c', 'd']);
  gates.get('d')!.resolve(bytes(4));
  expect((await d).length).toBe(4);
});

it('holds at most maxEntries, lets large values go, and repeats no hint', async () => {
  const p = new Prefetcher<Uint8Array>(8, 2, 10);
  let loads = 0;
  const load = (n: number) => async () => {
    loads++;
    return bytes(n);
  };
  p.hint('small', load(5));
  p.hint('small', load(5));
  p.hint('large', load(50));
  p.hint('dropped', load(1)); // two are held already
  expect(p.size).toBe(2);
  await new Promise((r) => setTimeout(r, 10));
  expect(loads).toBe(2);
  expect(p.take('dropped')).toBeUndefined();
  expect(p.take('large')).toBeUndefined(); // arrived too large to hold
  expect((await p.take('small'))!.length).toBe(5);
  expect(p.size).toBe(0);
});

it('rethrows a failed load to its take, and a failure never taken stays quiet', async () => {
  const p = new Prefetcher<Uint8Array>();
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);
  process.on('unhandledRejection', onUnhandled);
  try {
    p.hint('bad', async () => {
      throw new Error('pack 1234 is corrupt');
    });
    p.hint('never-taken', async () => {
      throw new Error('also corrupt');
    });
    await new Promise((r) => setTimeout(r, 10));
    await expect(p.take('bad')!).rejects.toThrow('pack 1234 is corrupt');
    await new Promise((r) => setTimeout(r, 10));
    expect(unhandled).toEqual([]);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});
