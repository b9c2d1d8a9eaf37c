/**
 * One HTTP/1.1 client connection (plain TCP or TLS) for S3 requests without a body: write the
 * request head, parse the response (status line, headers; a body framed by Content-Length, by
 * chunked transfer coding, or by the connection closing), one exchange at a time, kept alive
 * for the next one when the server allows.
 *
 * Why not node:http: a 537 MB restore through the AWS SDK (node:http underneath) cost ~1.3 s more
 * CPU than reading the same packs from disk; node:http alone with a preallocated body still
 * ~0.5 s more. Node hands every 64 KiB socket read to JS as a fresh Buffer and streams it through
 * IncomingMessage, and the body is then copied into one array; that allocation churn is paid as
 * GC and page faults. Here the socket reads through `onread` (net.Socket option, also for TLS):
 * a Content-Length body is read by the kernel (or TLS layer) straight into its final buffer,
 * without an intermediate Buffer or copy; headers, chunked and close-delimited bodies (errors,
 * listings: small) go through one reused scratch buffer. Measured in bench/RESULTS.md.
 */

import { constants as bufferConstants } from 'node:buffer';
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type SecureContext } from 'node:tls';

export interface HttpEndpoint {
  https: boolean;
  /** host name or IP to connect to (IPv6 without brackets) */
  hostname: string;
  port: number;
  /** TLS: trusted CAs (default: Node's) */
  secureContext?: SecureContext;
  /** TLS: false accepts any certificate */
  rejectUnauthorized?: boolean;
}

export interface HttpRequest {
  method: 'GET' | 'HEAD';
  /** path and query, as sent */
  target: string;
  headers: Readonly<Record<string, string>>;
  /** largest 2xx body accepted; a larger one fails with ERR_HTTP_BODY_TOO_LARGE */
  maxBody: number;
  /** the request fails (ETIMEDOUT) when the connection stays silent this long */
  timeoutMs: number;
}

export interface HttpResponse {
  status: number;
  /** lowercase names; repeated headers joined with ', ' */
  headers: Map<string, string>;
  body: Uint8Array;
}

/** an error with a Node-style `code` (ECONNRESET, ETIMEDOUT, ERR_HTTP_…) */
export class HttpError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** bodies of non-2xx answers (S3 error documents) are small; larger ones are not read */
const ERROR_BODY_MAX = 1024 * 1024;
const HEAD_MAX = 64 * 1024;
const SCRATCH = 64 * 1024;
const CRLF2 = Buffer.from('\r\n\r\n');
const EMPTY = Buffer.alloc(0);

type Phase = 'head' | 'fixed' | 'chunk-size' | 'chunk-data' | 'chunk-crlf' | 'trailer' | 'eof';

interface Exchange {
  req: HttpRequest;
  resolve: (r: HttpResponse) => void;
  reject: (e: unknown) => void;
  phase: Phase;
  head: Buffer;
  status: number;
  headers: Map<string, string>;
  keepAlive: boolean;
  /** fixed-length body, read into directly */
  body: Buffer;
  pos: number;
  /** chunked / close-delimited body */
  parts: Buffer[];
  total: number;
  /** bytes left in the current chunk, or the partial chunk-size / trailer line */
  left: number;
  line: string;
  max: number;
}

export class HttpConnection {
  readonly #socket: Socket;
  readonly #scratch = Buffer.allocUnsafeSlow(SCRATCH);
  #ex: Exchange | undefined;
  #direct = false;
  #alive = true;
  /** called once when the connection can no longer be used */
  onClose: (() => void) | undefined;

  private constructor(endpoint: HttpEndpoint) {
    const onread = {
      buffer: () => this.#nextBuffer(),
      callback: (n: number, buf: Uint8Array) => {
        this.#onRead(n, buf);
        return true;
      },
    };
    const host = endpoint.hostname;
    this.#socket = endpoint.https
      ? tlsConnect({
          // `onread` works for TLS sockets too (Node ≥ 12), @types/node only lists it for net
          host,
          port: endpoint.port,
          ...(isIP(host) ? {} : { servername: host }),
          ...(endpoint.secureContext ? { secureContext: endpoint.secureContext } : {}),
          rejectUnauthorized: endpoint.rejectUnauthorized !== false,
          ALPNProtocols: ['http/1.1'],
          ...({ onread } as object),
        })
      : netConnect({ host, port: endpoint.port, onread });
    this.#socket.setNoDelay(true);
    this.#socket.on('error', (e) => this.#fail(e));
    this.#socket.on('end', () => this.#onEnd());
    this.#socket.on('close', () => this.#fail(closedError()));
    this.#socket.on('timeout', () => {
      if (this.#ex)
        this.#socket.destroy(new HttpError('no answer from the server in time', 'ETIMEDOUT'));
      else this.#socket.destroy(); // idle too long: let the server's side go too
    });
  }

  /** A connected (and for TLS, handshaken) connection. */
  static open(endpoint: HttpEndpoint, timeoutMs: number): Promise<HttpConnection> {
    const conn = new HttpConnection(endpoint);
    const sock = conn.#socket;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        sock.destroy(new HttpError(`connecting took longer than ${timeoutMs} ms`, 'ETIMEDOUT'));
      }, timeoutMs);
      const done = (e?: unknown) => {
        clearTimeout(timer);
        sock.off('error', done);
        sock.off(endpoint.https ? 'secureConnect' : 'connect', ok);
        if (e) reject(e);
        else resolve(conn);
      };
      const ok = () => done();
      sock.once('error', done);
      sock.once(endpoint.https ? 'secureConnect' : 'connect', ok);
    });
  }

  /** open and not closed by either side; no exchange running */
  get idle(): boolean {
    return this.#alive && !this.#ex;
  }

  /** between exchanges: unreferenced, closed after `ms` without use */
  park(ms: number): void {
    this.#socket.setTimeout(ms);
    this.#socket.unref();
  }

  destroy(): void {
    this.#fail(closedError());
  }

  request(req: HttpRequest): Promise<HttpResponse> {
    if (!this.#alive) return Promise.reject(closedError());
    if (this.#ex) return Promise.reject(new Error('HttpConnection: one exchange at a time'));
    return new Promise<HttpResponse>((resolve, reject) => {
      this.#ex = {
        req,
        resolve,
        reject,
        phase: 'head',
        head: Buffer.alloc(0),
        status: 0,
        headers: new Map(),
        keepAlive: true,
        body: EMPTY,
        pos: 0,
        parts: [],
        total: 0,
        left: 0,
        line: '',
        max: 0,
      };
      this.#socket.ref();
      this.#socket.setTimeout(req.timeoutMs);
      let head = `${req.method} ${req.target} HTTP/1.1\r\n`;
      for (const [k, v] of Object.entries(req.headers)) head += `${k}: ${v}\r\n`;
      this.#socket.write(`${head}\r\n`, 'latin1');
    });
  }

  /** where the next socket read goes: straight into a fixed-length body, else the scratch */
  #nextBuffer(): Uint8Array {
    const ex = this.#ex;
    this.#direct = ex !== undefined && ex.phase === 'fixed' && ex.pos < ex.body.length;
    return this.#direct ? ex!.body.subarray(ex!.pos) : this.#scratch;
  }

  #onRead(n: number, buf: Uint8Array): void {
    const ex = this.#ex;
    if (!ex) {
      // bytes nobody asked for: the connection is out of step, drop it
      this.#socket.destroy();
      return;
    }
    if (this.#direct && buf !== this.#scratch) {
      ex.pos += n;
      if (ex.pos === ex.body.length) this.#finish(ex);
      return;
    }
    try {
      this.#feed(ex, this.#scratch.subarray(0, n));
    } catch (e) {
      this.#socket.destroy(e as Error);
    }
  }

  #feed(ex: Exchange, data: Buffer): void {
    let i = 0;
    while (i < data.length && this.#ex === ex) {
      switch (ex.phase) {
        case 'head': {
          const from = Math.max(0, ex.head.length - 3);
          ex.head = ex.head.length ? Buffer.concat([ex.head, data.subarray(i)]) : data.subarray(i);
          const end = ex.head.indexOf(CRLF2, from);
          if (end < 0) {
            if (ex.head.length > HEAD_MAX)
              throw new HttpError('response headers too large', 'ERR_HTTP_HEADERS');
            ex.head = Buffer.from(ex.head); // the scratch is reused by the next read
            return;
          }
          const rest = ex.head.subarray(end + 4);
          this.#parseHead(ex, ex.head.toString('latin1', 0, end));
          ex.head = Buffer.alloc(0);
          if (ex.phase === 'head') {
            // an interim 1xx answer: the real one follows
            data = Buffer.from(rest);
            i = 0;
            continue;
          }
          if (this.#ex !== ex) {
            // finished without a body: bytes after it mean the connection is out of step
            if (rest.length > 0) this.destroy();
            return;
          }
          data = rest;
          i = 0;
          continue;
        }
        case 'fixed': {
          const n = Math.min(ex.body.length - ex.pos, data.length - i);
          ex.body.set(data.subarray(i, i + n), ex.pos);
          ex.pos += n;
          i += n;
          if (ex.pos === ex.body.length) {
            if (i < data.length) ex.keepAlive = false; // more than announced: out of step
            this.#finish(ex);
          }
          continue;
        }
        case 'eof':
          this.#take(ex, data.subarray(i));
          return;
        case 'chunk-data': {
          const n = Math.min(ex.left, data.length - i);
          this.#take(ex, data.subarray(i, i + n));
          ex.left -= n;
          i += n;
          if (ex.left === 0) {
            ex.phase = 'chunk-crlf';
            ex.line = '';
          }
          continue;
        }
        case 'chunk-size':
        case 'chunk-crlf':
        case 'trailer': {
          const nl = data.indexOf(10, i);
          const stop = nl < 0 ? data.length : nl + 1;
          ex.line += data.toString('latin1', i, stop);
          i = stop;
          if (ex.line.length > 4096) throw new HttpError('malformed chunked body', 'ERR_HTTP_BODY');
          if (nl < 0) return;
          const line = ex.line.replace(/\r?\n$/, '');
          ex.line = '';
          if (ex.phase === 'chunk-crlf') {
            if (line !== '') throw new HttpError('malformed chunked body', 'ERR_HTTP_BODY');
            ex.phase = 'chunk-size';
          } else if (ex.phase === 'chunk-size') {
            const m = /^([0-9a-fA-F]{1,12})(;.*)?$/.exec(line.trim());
            if (!m) throw new HttpError('malformed chunk size', 'ERR_HTTP_BODY');
            ex.left = parseInt(m[1]!, 16);
            ex.phase = ex.left === 0 ? 'trailer' : 'chunk-data';
          } else if (line === '') {
            if (i < data.length) ex.keepAlive = false;
            this.#finish(ex);
          }
          continue;
        }
      }
    }
  }

  #parseHead(ex: Exchange, text: string): void {
    const lines = text.split('\r\n');
    const m = /^HTTP\/1\.([01]) (\d{3})/.exec(lines[0] ?? '');
    if (!m) throw new HttpError(`not an HTTP/1.x response: ${lines[0]}`, 'ERR_HTTP_RESPONSE');
    const status = Number(m[2]);
    if (status >= 100 && status < 200) return; // interim; stay in 'head'
    const headers = new Map<string, string>();
    for (const line of lines.slice(1)) {
      const c = line.indexOf(':');
      if (c <= 0) continue;
      const k = line.slice(0, c).trim().toLowerCase();
      const v = line.slice(c + 1).trim();
      const prev = headers.get(k);
      headers.set(k, prev === undefined ? v : `${prev}, ${v}`);
    }
    ex.status = status;
    ex.headers = headers;
    const conn = (headers.get('connection') ?? '').toLowerCase();
    ex.keepAlive = m[1] === '1' ? !conn.includes('close') : conn.includes('keep-alive');
    ex.max = status >= 200 && status < 300 ? ex.req.maxBody : ERROR_BODY_MAX;
    const te = (headers.get('transfer-encoding') ?? '').toLowerCase();
    const cl = headers.get('content-length');
    if (ex.req.method === 'HEAD' || status === 204 || status === 304) {
      ex.body = EMPTY;
      this.#finish(ex);
    } else if (te !== '' && te !== 'identity') {
      if (!te.endsWith('chunked'))
        throw new HttpError(`unsupported transfer-encoding ${te}`, 'ERR_HTTP_RESPONSE');
      ex.phase = 'chunk-size';
    } else if (cl !== undefined) {
      if (!/^\d{1,16}$/.test(cl))
        throw new HttpError(`bad content-length ${cl}`, 'ERR_HTTP_RESPONSE');
      const length = Number(cl);
      this.#checkSize(ex, length);
      ex.body = Buffer.allocUnsafeSlow(length);
      ex.pos = 0;
      ex.phase = 'fixed';
      if (length === 0) this.#finish(ex);
    } else {
      ex.keepAlive = false;
      ex.phase = 'eof';
    }
  }

  #checkSize(ex: Exchange, n: number): void {
    if (n > ex.max || n > bufferConstants.MAX_LENGTH) {
      throw new HttpError(
        `response body of ${n} bytes is larger than the ${ex.max} asked for`,
        'ERR_HTTP_BODY_TOO_LARGE',
        ex.status,
      );
    }
  }

  #take(ex: Exchange, part: Buffer): void {
    if (part.length === 0) return;
    this.#checkSize(ex, ex.total + part.length);
    ex.parts.push(Buffer.from(part)); // a copy: the scratch is reused by the next read
    ex.total += part.length;
  }

  #finish(ex: Exchange): void {
    this.#ex = undefined;
    const body =
      ex.phase === 'fixed' || ex.phase === 'head'
        ? ex.body
        : ex.parts.length === 1
          ? ex.parts[0]!
          : Buffer.concat(ex.parts, ex.total);
    if (!ex.keepAlive) this.destroy();
    else this.#socket.setTimeout(0);
    ex.resolve({ status: ex.status, headers: ex.headers, body });
  }

  #onEnd(): void {
    const ex = this.#ex;
    if (ex && ex.phase === 'eof') this.#finish(ex);
    this.#fail(closedError());
  }

  #fail(e: unknown): void {
    const ex = this.#ex;
    this.#ex = undefined;
    if (this.#alive) {
      this.#alive = false;
      this.#socket.destroy();
      this.onClose?.();
    }
    ex?.reject(e);
  }
}

function closedError(): HttpError {
  return new HttpError('the server closed the connection before the response ended', 'ECONNRESET');
}
