/**
 * The HTTP/1.1 client under S3Storage (http1.ts, http-pool.ts) against a scripted TCP server:
 * bodies framed by Content-Length (sent in odd pieces), chunked coding and connection close;
 * interim 1xx answers; HEAD; keep-alive reuse and when not to reuse; size limits; a server
 * that hangs up mid-body, goes silent, or closes an idle connection; the connection cap.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { HttpPool } from '../../src/storage/http-pool.js';
import type { HttpRequest } from '../../src/storage/http1.js';

type Handler = (target: string, sock: Socket, conn: number) => void | Promise<void>;

let server: Server;
let port: number;
let handler: Handler;
let connections = 0;
let open = 0;
let maxOpen = 0;

beforeAll(async () => {
  server = createServer((sock) => {
    const conn = ++connections;
    open++;
    maxOpen = Math.max(maxOpen, open);
    sock.on('close', () => open--);
    sock.on('error', () => undefined);
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      for (let end = buf.indexOf('\r\n\r\n'); end >= 0; end = buf.indexOf('\r\n\r\n')) {
        const head = buf.slice(0, end);
        buf = buf.slice(end + 4);
        const target = head.split(' ')[1] ?? '';
        void handler(target, sock, conn);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

beforeEach(() => {
  connections = 0;
  maxOpen = 0;
});

const pool = (maxSockets = 4, idleTimeoutMs = 5_000) =>
  new HttpPool(
    { https: false, hostname: '127.0.0.1', port },
    { maxSockets, connectTimeoutMs: 2_000, idleTimeoutMs },
  );

const get = (target: string, extra: Partial<HttpRequest> = {}): HttpRequest => ({
  method: 'GET',
  target,
  headers: { host: `127.0.0.1:${port}` },
  maxBody: 64 * 1024 * 1024,
  timeoutMs: 5_000,
  ...extra,
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** writes `data` in pieces of the given sizes (the rest in one), a tick apart */
async function dribble(sock: Socket, data: Buffer, sizes: number[]): Promise<void> {
  let at = 0;
  for (const n of [...sizes, data.length]) {
    if (at >= data.length) break;
    sock.write(data.subarray(at, Math.min(data.length, at + n)));
    at += n;
    await sleep(1);
  }
}

describe('HttpPool / HttpConnection', () => {
  it('reads a Content-Length body sent in odd pieces; reuses the connection', async () => {
    const body = randomBytes(3 * 1024 * 1024 + 17);
    handler = (target, sock) => {
      const head = Buffer.from(
        `HTTP/1.1 206 Partial Content\r\nContent-Length: ${body.length}\r\nX-Target: ${target}\r\n\r\n`,
      );
      return dribble(sock, Buffer.concat([head, body]), [5, head.length - 5 + 10, 1, 70_000]);
    };
    const p = pool();
    for (let i = 0; i < 3; i++) {
      const res = await p.request(get(`/o${i}`));
      expect(res.status).toBe(206);
      expect(res.headers.get('x-target')).toBe(`/o${i}`);
      expect(Buffer.from(res.body).equals(body)).toBe(true);
    }
    expect(connections).toBe(1);
    p.close();
  });

  it('decodes a chunked body (extensions, trailer) and keeps the connection', async () => {
    handler = (_t, sock) =>
      dribble(
        sock,
        Buffer.from(
          'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n' +
            '5;ext=1\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n',
        ),
        [40, 3, 3, 9, 1],
      );
    const p = pool();
    for (let i = 0; i < 2; i++) {
      const res = await p.request(get('/c'));
      expect(Buffer.from(res.body).toString()).toBe('hello 0123456789');
    }
    expect(connections).toBe(1);
    p.close();
  });

  it('reads a close-delimited body, and does not reuse that connection', async () => {
    handler = (_t, sock) => {
      sock.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end');
    };
    const p = pool();
    for (let i = 0; i < 2; i++)
      expect(Buffer.from((await p.request(get('/e'))).body).toString()).toBe('until the end');
    expect(connections).toBe(2);
    p.close();
  });

  it('does not reuse a connection the server marked Connection: close', async () => {
    handler = (_t, sock) => {
      sock.write('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok');
    };
    const p = pool();
    await p.request(get('/1'));
    await p.request(get('/2'));
    expect(connections).toBe(2);
    p.close();
  });

  it('skips an interim 100 Continue; HEAD has no body whatever Content-Length says', async () => {
    handler = (target, sock) => {
      if (target === '/head')
        sock.write('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nETag: "e"\r\n\r\n');
      else
        sock.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc');
    };
    const p = pool();
    const head = await p.request({ ...get('/head'), method: 'HEAD' });
    expect(head.headers.get('content-length')).toBe('1000');
    expect(head.body.length).toBe(0);
    const res = await p.request(get('/x'));
    expect(res.status).toBe(200);
    expect(Buffer.from(res.body).toString()).toBe('abc');
    expect(connections).toBe(1);
    p.close();
  });

  it('refuses a 2xx body over maxBody, but reads an error body whatever maxBody is', async () => {
    handler = (target, sock) => {
      const body = target === '/big' ? 'x'.repeat(100) : '<Error><Code>NoSuchKey</Code></Error>';
      const status = target === '/big' ? '200 OK' : '404 Not Found';
      sock.write(`HTTP/1.1 ${status}\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    };
    const p = pool();
    await expect(p.request(get('/big', { maxBody: 10 }))).rejects.toMatchObject({
      code: 'ERR_HTTP_BODY_TOO_LARGE',
    });
    const res = await p.request(get('/missing', { maxBody: 10 }));
    expect(res.status).toBe(404);
    expect(Buffer.from(res.body).toString()).toContain('NoSuchKey');
    p.close();
  });

  it('a server that hangs up mid-body fails that request; the next one reconnects', async () => {
    handler = (target, sock) => {
      if (target === '/cut') sock.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part');
      else sock.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    };
    const p = pool();
    await expect(p.request(get('/cut'))).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(Buffer.from((await p.request(get('/ok'))).body).toString()).toBe('ok');
    p.close();
  });

  it('a silent server fails the request with ETIMEDOUT', async () => {
    handler = () => undefined;
    const p = pool();
    await expect(p.request(get('/silent', { timeoutMs: 200 }))).rejects.toMatchObject({
      code: 'ETIMEDOUT',
    });
    p.close();
  });

  it('an idle connection the server closed is dropped, not used', async () => {
    handler = (target, sock) => {
      sock.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      if (target === '/then-close') setTimeout(() => sock.end(), 20);
    };
    const p = pool();
    await p.request(get('/then-close'));
    await sleep(100);
    expect(Buffer.from((await p.request(get('/again'))).body).toString()).toBe('ok');
    expect(connections).toBe(2);
    p.close();
  });

  it('closes idle connections after idleTimeoutMs', async () => {
    handler = (_t, sock) => {
      sock.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    };
    const p = pool(4, 50);
    await p.request(get('/a'));
    await sleep(300);
    expect(open).toBe(0);
    p.close();
  });

  it('never opens more than maxSockets connections; queued requests all complete', async () => {
    handler = async (target, sock) => {
      await sleep(20);
      sock.write(`HTTP/1.1 200 OK\r\nContent-Length: ${target.length}\r\n\r\n${target}`);
    };
    const p = pool(2);
    const got = await Promise.all(
      Array.from({ length: 9 }, (_, i) => p.request(get(`/q${i}`)).then((r) => r.body)),
    );
    got.forEach((b, i) => expect(Buffer.from(b).toString()).toBe(`/q${i}`));
    expect(maxOpen).toBeLessThanOrEqual(2);
    p.close();
  });

  it('garbage instead of a status line fails the request', async () => {
    handler = (_t, sock) => {
      sock.write('SSH-2.0-OpenSSH\r\n\r\n');
    };
    const p = pool();
    await expect(p.request(get('/'))).rejects.toMatchObject({ code: 'ERR_HTTP_RESPONSE' });
    p.close();
  });
});
