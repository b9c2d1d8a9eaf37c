/**
 * The MinIO harness (test/harness/minio.ts) against the real server: bucket, upload, ranged GET,
 * stop; and the TLS variant, which a client without the generated CA must refuse.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { minioClient, startMinio, type MinioServer } from '../harness/minio.js';

async function bodyBytes(client: S3Client, bucket: string, key: string, range?: string) {
  const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: range }));
  return Buffer.from(await out.Body!.transformToByteArray());
}

describe('MinIO harness (plain HTTP)', () => {
  let server: MinioServer;
  let local: string;
  const payload = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 7 + 3) & 0xff));

  beforeAll(async () => {
    server = await startMinio();
    local = await mkdtemp(join(tmpdir(), 'salvage-minio-src-'));
    await mkdir(join(local, 'data', 'ab'), { recursive: true });
    await writeFile(join(local, 'config'), 'cfg');
    await writeFile(join(local, 'data', 'ab', 'ab01'), payload);
  });
  afterAll(async () => {
    await server?.stop();
    if (local) await rm(local, { recursive: true, force: true });
  });

  it('serves on 127.0.0.1 with the documented fields', () => {
    expect(server.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.region).toBe('us-east-1');
    expect(server.caFile).toBeUndefined();
    expect(server.accessKey.length).toBeGreaterThan(3);
    expect(server.secretKey.length).toBeGreaterThanOrEqual(8);
  });

  it('creates a bucket, uploads a directory and returns exactly a requested range', async () => {
    await server.createBucket('repo');
    expect(await server.uploadDir('repo', 'restic/', local)).toBe(2);
    const client = minioClient(server);
    try {
      const listed = await client.send(new ListObjectsV2Command({ Bucket: 'repo' }));
      expect((listed.Contents ?? []).map((o) => o.Key).sort()).toEqual([
        'restic/config',
        'restic/data/ab/ab01',
      ]);
      expect(await bodyBytes(client, 'repo', 'restic/data/ab/ab01')).toEqual(payload);
      const range = await bodyBytes(client, 'repo', 'restic/data/ab/ab01', 'bytes=65530-65545');
      expect(range).toEqual(payload.subarray(65530, 65546));
      const tail = await bodyBytes(client, 'repo', 'restic/data/ab/ab01', 'bytes=-10');
      expect(tail).toEqual(payload.subarray(payload.length - 10));
    } finally {
      client.destroy();
    }
  });

  it('stops: the port is closed and the data dir is gone', async () => {
    const other = await startMinio();
    await other.createBucket('gone');
    expect(existsSync(other.dataDir)).toBe(true);
    await other.stop();
    expect(existsSync(other.dataDir)).toBe(false);
    const client = minioClient(other);
    try {
      await expect(client.send(new ListObjectsV2Command({ Bucket: 'gone' }))).rejects.toThrow();
    } finally {
      client.destroy();
    }
    await other.stop(); // idempotent
  });
});

describe('MinIO harness (TLS)', () => {
  let server: MinioServer;

  beforeAll(async () => {
    server = await startMinio({ tls: true });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('serves https with a generated CA', async () => {
    expect(server.endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(server.caFile && existsSync(server.caFile)).toBe(true);
    expect((await readFile(server.caFile!, 'utf8')).startsWith('-----BEGIN CERTIFICATE-----')).toBe(
      true,
    );
  });

  it('rejects a client that does not trust the CA (TLS error)', async () => {
    const client = minioClient(server);
    try {
      const error = await client.send(new ListObjectsV2Command({ Bucket: 'x' })).then(
        () => undefined,
        (e: unknown) => e as NodeJS.ErrnoException,
      );
      expect(error).toBeDefined();
      expect(error!.code).toMatch(/^(SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE)$/);
    } finally {
      client.destroy();
    }
  });

  it('works for a client given the CA', async () => {
    const client = minioClient(server, await readFile(server.caFile!));
    try {
      await server.createBucket('tls');
      const dir = await mkdtemp(join(tmpdir(), 'salvage-minio-tls-'));
      await writeFile(join(dir, 'hello'), 'hello over tls');
      expect(await server.uploadDir('tls', '', dir)).toBe(1);
      await rm(dir, { recursive: true, force: true });
      expect((await bodyBytes(client, 'tls', 'hello', 'bytes=6-9')).toString()).toBe('over');
    } finally {
      client.destroy();
    }
  });
});
