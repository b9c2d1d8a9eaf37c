/**
 * One conformance suite for every Storage backend: a local directory and a real MinIO (plain
 * HTTP and TLS with the generated CA). Same objects, same expectations: recursive listing by
 * prefix, whole and ranged reads, stat, and typed errors for missing objects and short ranges.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startMinio, type MinioServer } from '../../../../test/harness/minio.js';
import {
  IntegrityError,
  LocalStorage,
  MissingObjectError,
  parseLocation,
  S3Storage,
  type Storage,
} from '../../src/index.js';

const OBJECTS: Record<string, string> = {
  config: 'CONFIG',
  'keys/aa': 'key-a',
  'data/00/0011': '0123456789abcdef',
  'data/01/0122': 'x'.repeat(1000),
  'index/ix': 'index!',
};

let dir: string;
let plain: MinioServer;
let tls: MinioServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'salvage-conf-'));
  for (const [name, body] of Object.entries(OBJECTS)) {
    await mkdir(join(dir, 'repo', name, '..'), { recursive: true });
    await writeFile(join(dir, 'repo', name), body);
  }
  [plain, tls] = await Promise.all([startMinio(), startMinio({ tls: true })]);
  for (const m of [plain, tls]) {
    await m.createBucket('bkt');
    await m.uploadDir('bkt', 'some/prefix/', join(dir, 'repo'));
  }
});

afterAll(async () => {
  await Promise.all([plain?.stop(), tls?.stop()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

function s3(m: MinioServer, extra: { caFile?: string } = {}): Storage {
  const loc = parseLocation(`s3:${m.endpoint}/bkt/some/prefix`);
  if (loc.kind !== 's3') throw new Error('not s3');
  return new S3Storage(loc, {
    accessKeyId: m.accessKey,
    secretAccessKey: m.secretKey,
    region: m.region,
    maxAttempts: 2,
    ...extra,
  });
}

const backends: [string, () => Storage][] = [
  ['local', () => new LocalStorage(join(dir, 'repo'))],
  ['minio', () => s3(plain)],
  ['minio-tls', () => s3(tls, { caFile: tls.caFile })],
];

describe.each(backends)('%s storage', (_name, make) => {
  it('lists recursively by prefix, with sizes', async () => {
    const st = make();
    const all: string[] = [];
    for await (const o of st.list('')) all.push(`${o.name}:${o.size}`);
    expect(all.sort()).toEqual(
      Object.entries(OBJECTS)
        .map(([n, b]) => `${n}:${b.length}`)
        .sort(),
    );
    const data: string[] = [];
    for await (const o of st.list('data/')) data.push(o.name);
    expect(data.sort()).toEqual(['data/00/0011', 'data/01/0122']);
    const none: string[] = [];
    for await (const o of st.list('snapshots/')) none.push(o.name);
    expect(none).toEqual([]);
    await st.close();
  });

  it('reads whole objects and ranges; stat', async () => {
    const st = make();
    expect(new TextDecoder().decode(await st.read('config'))).toBe('CONFIG');
    expect(new TextDecoder().decode(await st.read('data/00/0011', { offset: 3, length: 5 }))).toBe(
      '34567',
    );
    expect((await st.read('data/01/0122', { offset: 999, length: 1 })).length).toBe(1);
    expect(await st.stat('data/01/0122')).toEqual({ name: 'data/01/0122', size: 1000 });
    expect(await st.stat('nope')).toBeUndefined();
    await st.close();
  });

  it('missing objects and short objects give typed errors', async () => {
    const st = make();
    await expect(st.read('keys/zz')).rejects.toBeInstanceOf(MissingObjectError);
    await expect(st.read('data/00/0011', { offset: 10, length: 100 })).rejects.toBeInstanceOf(
      IntegrityError,
    );
    await expect(st.read('data/00/0011', { offset: 100, length: 1 })).rejects.toBeInstanceOf(
      IntegrityError,
    );
    await st.close();
  });
});
