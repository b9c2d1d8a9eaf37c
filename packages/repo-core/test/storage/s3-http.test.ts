/**
 * Signed S3 requests (s3-http.ts) against a fake S3 endpoint that records what it is sent:
 * path-style URLs with encoded keys and the signed headers; error codes from the XML document or
 * the status; which failures are retried (5xx yes, 404 and a bad signature no); a clock skew the
 * server reports is adopted and the request retried. And where credentials come from
 * (s3-credentials.ts): options, then AWS_* variables unless AWS_PROFILE is set, then the SDK.
 */
import {
  createServer,
  type IncomingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { credentialSource } from '../../src/storage/s3-credentials.js';
import { S3Http, S3ResponseError } from '../../src/storage/s3-http.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

let server: Server;
let endpoint: string;
let seen: Seen[] = [];
let respond: (req: Seen, res: ServerResponse) => void;

beforeAll(async () => {
  server = createServer((req, res) => {
    const s = { method: req.method ?? '', url: req.url ?? '', headers: req.headers };
    seen.push(s);
    respond(s, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

beforeEach(() => {
  seen = [];
});

const s3 = (maxAttempts = 3) =>
  new S3Http({
    endpoint,
    bucket: 'bkt',
    region: 'eu-central-1',
    forcePathStyle: true,
    credentials: credentialSource({ accessKeyId: 'AK', secretAccessKey: 'SK' }, {}, 'x'),
    maxAttempts,
    maxConnections: 4,
  });

const xmlError = (res: ServerResponse, status: number, code: string, date?: string) => {
  res.writeHead(status, {
    'content-type': 'application/xml',
    ...(date ? { date } : {}),
  });
  res.end(`<?xml version="1.0"?><Error><Code>${code}</Code><Message>m</Message></Error>`);
};

describe('S3Http', () => {
  it('sends path-style GETs with encoded keys and signed headers', async () => {
    respond = (_r, res) => {
      res.writeHead(206, { 'content-length': '3' });
      res.end('abc');
    };
    const c = s3();
    const res = await c.send({
      method: 'GET',
      key: 'pre/a b+c',
      headers: { range: 'bytes=0-2' },
      maxBody: 3,
    });
    expect(Buffer.from(res.body).toString()).toBe('abc');
    expect(seen).toHaveLength(1);
    expect(seen[0]!.url).toBe('/bkt/pre/a%20b%2Bc');
    const h = seen[0]!.headers;
    expect(h.host).toBe(endpoint.replace('http://', ''));
    expect(h.range).toBe('bytes=0-2');
    expect(h['x-amz-content-sha256']).toMatch(/^e3b0c442/);
    expect(h.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AK\/\d{8}\/eu-central-1\/s3\/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$/,
    );
    c.close();
  });

  it('lists with a query string; bucket-level requests go to /bucket', async () => {
    respond = (_r, res) => {
      res.writeHead(200);
      res.end('<ListBucketResult></ListBucketResult>');
    };
    const c = s3();
    await c.send({
      method: 'GET',
      query: [
        ['list-type', '2'],
        ['prefix', 'p/x'],
      ],
      maxBody: 1000,
    });
    await c.send({ method: 'HEAD', maxBody: 0 });
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'GET /bkt?list-type=2&prefix=p%2Fx',
      'HEAD /bkt',
    ]);
    c.close();
  });

  it('keeps the path of an endpoint under a prefix', async () => {
    respond = (_r, res) => {
      res.writeHead(200, { 'content-length': '0' });
      res.end();
    };
    const c = new S3Http({
      endpoint: `${endpoint}/gw/`,
      bucket: 'bkt',
      region: 'r',
      forcePathStyle: true,
      credentials: credentialSource({ accessKeyId: 'AK', secretAccessKey: 'SK' }, {}, 'r'),
      maxAttempts: 1,
      maxConnections: 1,
    });
    await c.send({ method: 'HEAD', key: 'k/1', maxBody: 0 });
    expect(seen[0]!.url).toBe('/gw/bkt/k/1');
    c.close();
  });

  it('a HEAD 404 is NotFound, not retried; an XML code wins over the status', async () => {
    respond = (r, res) => {
      if (r.method === 'HEAD') {
        res.writeHead(404);
        res.end();
      } else xmlError(res, 404, 'NoSuchBucket');
    };
    const c = s3();
    await expect(c.send({ method: 'HEAD', key: 'k', maxBody: 0 })).rejects.toMatchObject({
      code: 'NotFound',
      status: 404,
    });
    await expect(c.send({ method: 'GET', key: 'k', maxBody: 10 })).rejects.toMatchObject({
      code: 'NoSuchBucket',
    });
    expect(seen).toHaveLength(2);
    c.close();
  });

  it('retries 5xx up to maxAttempts, then fails with the last error', async () => {
    respond = (_r, res) => xmlError(res, 500, 'InternalError');
    const c = s3(3);
    const err = await c.send({ method: 'GET', key: 'k', maxBody: 10 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(S3ResponseError);
    expect((err as S3ResponseError).code).toBe('InternalError');
    expect(seen).toHaveLength(3);
    c.close();
  });

  it('does not retry a bad signature when the clocks agree', async () => {
    respond = (_r, res) => xmlError(res, 403, 'SignatureDoesNotMatch', new Date().toUTCString());
    const c = s3(3);
    await expect(c.send({ method: 'GET', key: 'k', maxBody: 10 })).rejects.toMatchObject({
      code: 'SignatureDoesNotMatch',
    });
    expect(seen).toHaveLength(1);
    c.close();
  });

  it("adopts the server's clock after RequestTimeTooSkewed and retries", async () => {
    const serverNow = Date.now() + 3600_000;
    respond = (r, res) => {
      const sent = r.headers['x-amz-date'] as string;
      const t = Date.parse(
        sent.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z'),
      );
      if (Math.abs(t - serverNow) > 60_000)
        return xmlError(res, 403, 'RequestTimeTooSkewed', new Date(serverNow).toUTCString());
      res.writeHead(200, { 'content-length': '2' });
      res.end('ok');
    };
    const c = s3(2);
    const res = await c.send({ method: 'GET', key: 'k', maxBody: 10 });
    expect(Buffer.from(res.body).toString()).toBe('ok');
    expect(seen).toHaveLength(2);
    c.close();
  });
});

describe('credentialSource', () => {
  it('options first, then AWS_* variables, the SDK chain when AWS_PROFILE is set', async () => {
    const env = { AWS_ACCESS_KEY_ID: 'EK', AWS_SECRET_ACCESS_KEY: 'ES', AWS_SESSION_TOKEN: 'ET' };
    const fromOptions = credentialSource({ accessKeyId: 'OK', secretAccessKey: 'OS' }, env, 'r');
    expect(fromOptions.kind).toBe('options');
    expect(await fromOptions.get()).toEqual({ accessKeyId: 'OK', secretAccessKey: 'OS' });
    const fromEnv = credentialSource({}, env, 'r');
    expect(fromEnv.kind).toBe('env');
    expect(await fromEnv.get()).toEqual({
      accessKeyId: 'EK',
      secretAccessKey: 'ES',
      sessionToken: 'ET',
    });
    const profile = credentialSource({}, { ...env, AWS_PROFILE: 'p' }, 'r');
    expect(profile.kind).toBe('sdk');
    profile.close();
    expect(credentialSource({}, {}, 'r').kind).toBe('sdk');
  });
});
