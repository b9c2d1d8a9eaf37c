/**
 * S3Storage retries transient failures with backoff: a pass-through proxy in front of a real
 * MinIO answers the first requests with 503 SlowDown or resets the connection, then forwards;
 * reads succeed and the proxy saw the retries. A permanent 403 is not retried.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, expect, it } from 'vitest';

import { startMinio, type MinioServer } from '../../../../test/harness/minio.js';
import { AccessDeniedError, parseLocation, S3Storage } from '../../src/index.js';

let minio: MinioServer;
let proxy: Server;
let dir: string;
let plan: ('503' | 'reset' | '403' | 'pass')[] = [];
let seen = 0;

beforeAll(async () => {
  minio = await startMinio();
  dir = await mkdtemp(join(tmpdir(), 'salvage-retry-'));
  await writeFile(join(dir, 'config'), 'hello');
  await minio.createBucket('retry-bkt');
  await minio.uploadDir('retry-bkt', 'p/', dir);
  const target = new URL(minio.endpoint);
  proxy = createServer((req, res) => {
    seen++;
    const step = plan.shift() ?? 'pass';
    if (step === 'reset') return req.socket.destroy();
    if (step === '503' || step === '403') {
      res.writeHead(step === '503' ? 503 : 403, { 'content-type': 'application/xml' });
      const code = step === '503' ? 'SlowDown' : 'AccessDenied';
      return res.end(
        `<?xml version="1.0"?><Error><Code>${code}</Code><Message>x</Message></Error>`,
      );
    }
    const up = request(
      {
        host: target.hostname,
        port: target.port,
        path: req.url,
        method: req.method,
        headers: req.headers,
      },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    req.pipe(up);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
});

afterAll(async () => {
  proxy?.close();
  await minio?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function storage(): S3Storage {
  const port = (proxy.address() as AddressInfo).port;
  const loc = parseLocation(`s3:http://127.0.0.1:${port}/retry-bkt/p`);
  if (loc.kind !== 's3') throw new Error('not s3');
  return new S3Storage(loc, {
    accessKeyId: minio.accessKey,
    secretAccessKey: minio.secretKey,
    region: minio.region,
    maxAttempts: 4,
  });
}

it('retries 503 SlowDown and connection resets, then succeeds', async () => {
  const st = storage();
  plan = ['503', 'reset', '503'];
  seen = 0;
  expect(new TextDecoder().decode(await st.read('config'))).toBe('hello');
  expect(seen).toBe(4);
  await st.close();
});

it('does not retry access denied', async () => {
  const st = storage();
  plan = ['403'];
  seen = 0;
  await expect(st.read('config')).rejects.toBeInstanceOf(AccessDeniedError);
  expect(seen).toBe(1);
  await st.close();
});
