// Sharded blob naming (spec §2.3): the path cases of kopia repo/blob/sharded/sharded_test.go,
// and KopiaBlobStore listing/reading across layouts on an in-memory Storage.
import { describe, expect, it } from 'vitest';

import { MissingObjectError } from '../../src/errors.js';
import { KopiaBlobStore } from '../../src/kopia/blob-store.js';
import { blobId } from '../../src/kopia/ids.js';
import { parseShardParameters, shardedPath } from '../../src/kopia/shards.js';
import { MemoryStorage } from './memory-storage.js';

const params = (json: string) => parseShardParameters(new TextEncoder().encode(json));

describe('shardedPath', () => {
  it('follows overrides, default shards and maxNonShardedLength (kopia case1)', () => {
    const p = params(`{"default":[3,2,1],"overrides":[{"prefix":"p","shards":[2,2]},
      {"prefix":"x","shards":[1,1,1]}],"maxNonShardedLength":2}`);
    const cases: Record<string, string> = {
      ab: 'ab',
      defaultsharded: 'def/au/l/tsharded',
      phello: 'ph/el/lo',
      pgoodbye: 'pg/oo/dbye',
      xhello: 'x/h/e/llo',
      xbye: 'x/b/y/e',
      xo: 'xo',
    };
    for (const [id, path] of Object.entries(cases)) expect(shardedPath(p, id)).toBe(path);
  });

  it('keeps short ids unsharded and stops when the rest is short', () => {
    const a = params('{"default":[3,3],"maxNonShardedLength":10}');
    expect(shardedPath(a, 'foobarbar')).toBe('foobarbar');
    expect(shardedPath(a, 'foobarbarbar')).toBe('foo/bar/barbar');
    const b = params('{"default":[3,3],"maxNonShardedLength":0}');
    const cases: Record<string, string> = {
      fo: 'fo',
      foo: 'foo',
      foob: 'foo/b',
      fooba: 'foo/ba',
      foobar: 'foo/bar',
      foobar2: 'foo/bar/2',
    };
    for (const [id, path] of Object.entries(cases)) expect(shardedPath(b, id)).toBe(path);
  });

  it('maps the spec examples for [1,3]', () => {
    const p = params('{"default":[1,3],"maxNonShardedLength":20}');
    expect(shardedPath(p, 'p0123456789abcdef0123456789abcdef-s1234')).toBe(
      'p/012/3456789abcdef0123456789abcdef-s1234',
    );
    expect(shardedPath(p, 'kopia.repository')).toBe('kopia.repository');
  });

  it('rejects hostile .shards documents', () => {
    expect(() => params('{"default":[0]}')).toThrow();
    expect(() => params('{"default":"x"}')).toThrow();
    expect(() => params('not json')).toThrow();
  });
});

describe('KopiaBlobStore', () => {
  const id = 'q0123456789abcdef0123456789abcdef-s0011223344556677148';

  it('detects an object-store layout and lists by blob prefix', async () => {
    const st = new MemoryStorage({
      'kopia.repository': '{}',
      [id]: 'pack',
      xe0: 'm',
      '.storageconfig': '',
    });
    const bs = await KopiaBlobStore.open(st);
    expect(bs.layout.kind).toBe('flat');
    const ids: string[] = [];
    for await (const b of bs.list('q')) ids.push(b.id);
    expect(ids).toEqual([id]);
    expect(new TextDecoder().decode(await bs.read(blobId(id)))).toBe('pack');
  });

  it('reads a sharded store with .shards, and one copied without it', async () => {
    const sharded = `q/012/3456789abcdef0123456789abcdef-s0011223344556677148.f`;
    const withShards = new MemoryStorage({
      'kopia.repository.f': '{}',
      '.shards': '{"default":[1,3],"maxNonShardedLength":20}',
      [sharded]: 'pack',
      'xe0.f': 'marker',
      'x/n0_/abc.f.tmp.12': 'temp',
    });
    const a = await KopiaBlobStore.open(withShards);
    expect(new TextDecoder().decode(await a.read(blobId(id)))).toBe('pack');
    expect(withShards.reads).toEqual(['.shards', sharded]);
    const xs: string[] = [];
    for await (const b of a.list('x')) xs.push(b.id);
    expect(xs).toEqual(['xe0']);

    // no .shards: kopia would assume [3,3]; the blob is found by listing instead
    const without = new MemoryStorage({ 'kopia.repository.f': '{}', [sharded]: 'pack' });
    const b = await KopiaBlobStore.open(without);
    expect(b.layout.kind === 'sharded' && b.layout.fromFile).toBe(false);
    expect(new TextDecoder().decode(await b.read(blobId(id)))).toBe('pack');
    await expect(b.read(blobId('q' + 'f'.repeat(32)))).rejects.toBeInstanceOf(MissingObjectError);
  });
});
