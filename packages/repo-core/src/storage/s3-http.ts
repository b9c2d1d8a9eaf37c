/**
 * Signed S3 requests for one bucket: addressing (path style, or virtual-hosted for AWS when the
 * bucket name allows), SigV4 headers, a keep-alive connection pool, and retries as the AWS SDK's
 * "standard" mode does them: up to `maxAttempts` tries, random exponential backoff (base 100 ms,
 * 500 ms when throttled, at most 20 s) on connection errors, timeouts, 5xx, 429 and throttling
 * codes; a clock skew reported by the server is corrected once and the request retried.
 * Non-2xx answers become S3ResponseError with the code of the XML error document, or one named
 * after the status when there is none (HEAD has no body): NotFound, Forbidden, ….
 */

import { isIP } from 'node:net';
import { createSecureContext, rootCertificates } from 'node:tls';
import { HttpError, type HttpResponse } from './http1.js';
import { HttpPool } from './http-pool.js';
import type { CredentialSource } from './s3-credentials.js';
import { parseErrorDoc } from './s3-xml.js';
import { encodePath, signRequest, uriEncode } from './sigv4.js';

export interface S3HttpConfig {
  /** scheme://host[:port] */
  endpoint: string;
  bucket: string;
  region: string;
  forcePathStyle: boolean;
  credentials: CredentialSource;
  maxAttempts: number;
  maxConnections: number;
  /** PEM CAs trusted in addition to Node's */
  ca?: string;
  insecureTls?: boolean;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
}

export interface S3Call {
  method: 'GET' | 'HEAD';
  /** object key; undefined for a bucket-level request */
  key?: string;
  query?: [string, string][];
  headers?: Record<string, string>;
  /** largest 2xx body accepted */
  maxBody: number;
}

/** An S3 answer other than 2xx. */
export class S3ResponseError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly status: number,
    readonly requestId?: string,
  ) {
    super(message);
    this.name = 'S3ResponseError';
  }
}

const STATUS_CODES: Record<number, string> = {
  301: 'PermanentRedirect',
  400: 'BadRequest',
  403: 'Forbidden',
  404: 'NotFound',
  416: 'InvalidRange',
  429: 'TooManyRequests',
  500: 'InternalError',
  501: 'NotImplemented',
  502: 'BadGateway',
  503: 'ServiceUnavailable',
  504: 'GatewayTimeout',
};
const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'BandwidthLimitExceeded',
  'LimitExceededException',
  'RequestThrottled',
  'SlowDown',
  'TooManyRequests',
]);
const TRANSIENT_CODES = new Set([
  'RequestTimeout',
  'RequestTimeoutException',
  'InternalError',
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
]);
const TRANSIENT_STATUS = new Set([429, 500, 502, 503, 504]);
const CLOCK_SKEW = new Set([
  'RequestTimeTooSkewed',
  'RequestExpired',
  'RequestInTheFuture',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'AuthFailure',
]);
/** the server's clock this far from ours counts as skew (SigV4 allows 15 min) */
const SKEW_MS = 5 * 60 * 1000;

export class S3Http {
  readonly #pool: HttpPool;
  readonly #host: string;
  readonly #base: string;
  readonly #config: S3HttpConfig;
  #clockOffset = 0;

  constructor(config: S3HttpConfig) {
    this.#config = config;
    const url = new URL(config.endpoint);
    const https = url.protocol === 'https:';
    // virtual-hosted (bucket.host) only where DNS can name the bucket: no dots (TLS wildcards
    // cover one label), no IP-address endpoints
    const virtual =
      !config.forcePathStyle &&
      isIP(url.hostname.replace(/^\[(.*)\]$/, '$1')) === 0 &&
      /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(config.bucket);
    const hostname = virtual ? `${config.bucket}.${url.hostname}` : url.hostname;
    this.#host = url.port ? `${hostname}:${url.port}` : hostname;
    // an endpoint with a path (a gateway under a prefix) keeps it in front of every request
    const root = url.pathname.replace(/\/+$/, '');
    this.#base = virtual ? root : `${root}/${uriEncode(config.bucket)}`;
    this.#pool = new HttpPool(
      {
        https,
        hostname: hostname.replace(/^\[(.*)\]$/, '$1'),
        port: url.port ? Number(url.port) : https ? 443 : 80,
        ...(https && config.ca
          ? { secureContext: createSecureContext({ ca: [...rootCertificates, config.ca] }) }
          : {}),
        rejectUnauthorized: config.insecureTls !== true,
      },
      {
        maxSockets: config.maxConnections,
        connectTimeoutMs: config.connectTimeoutMs ?? 15_000,
        idleTimeoutMs: 15_000,
      },
    );
  }

  /** one call, retried while that may help; resolves with a 2xx response only */
  async send(call: S3Call): Promise<HttpResponse> {
    const path =
      call.key === undefined ? this.#base || '/' : `${this.#base}/${encodePath(call.key)}`;
    const query = call.query ?? [];
    const target = query.length
      ? `${path}?${query.map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`).join('&')}`
      : path;
    for (let attempt = 1; ; attempt++) {
      let skewFixed = false;
      try {
        const credentials = await this.#config.credentials.get();
        const headers = signRequest({
          method: call.method,
          host: this.#host,
          path,
          query,
          headers: call.headers ?? {},
          region: this.#config.region,
          credentials,
          now: new Date(Date.now() + this.#clockOffset),
        });
        headers['user-agent'] = 'salvage';
        const res = await this.#pool.request({
          method: call.method,
          target,
          headers,
          maxBody: call.maxBody,
          timeoutMs: this.#config.requestTimeoutMs ?? 120_000,
        });
        if (res.status >= 200 && res.status < 300) return res;
        skewFixed = this.#checkClock(res);
        throw responseError(res, call);
      } catch (e) {
        if (attempt >= this.#config.maxAttempts) throw e;
        const code = (e as { code?: unknown }).code;
        const skew = skewFixed && typeof code === 'string' && CLOCK_SKEW.has(code);
        if (!skew && !isTransient(e)) throw e;
        await sleep(skew ? 0 : backoff(attempt, e));
      }
    }
  }

  close(): void {
    this.#pool.close();
  }

  /** adopt the server's clock when it is far from ours; true when the offset changed */
  #checkClock(res: HttpResponse): boolean {
    const date = res.headers.get('date');
    const server = date ? Date.parse(date) : NaN;
    if (!Number.isFinite(server)) return false;
    const ours = Date.now() + this.#clockOffset;
    if (Math.abs(server - ours) < SKEW_MS) return false;
    this.#clockOffset = server - Date.now();
    return true;
  }
}

function responseError(res: HttpResponse, call: S3Call): S3ResponseError {
  const doc = res.body.length ? parseErrorDoc(Buffer.from(res.body).toString('utf8')) : {};
  const code = doc.code ?? STATUS_CODES[res.status] ?? `Http${res.status}`;
  const what = call.key === undefined ? 'bucket' : call.key;
  return new S3ResponseError(
    `${call.method} ${what}: ${res.status} ${code}${doc.message ? `: ${doc.message}` : ''}`,
    code,
    res.status,
    doc.requestId ?? res.headers.get('x-amz-request-id'),
  );
}

function isTransient(e: unknown): boolean {
  if (e instanceof S3ResponseError)
    return TRANSIENT_STATUS.has(e.status) || THROTTLING.has(e.code) || TRANSIENT_CODES.has(e.code);
  if (e instanceof HttpError && e.status !== undefined) return TRANSIENT_STATUS.has(e.status);
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'string' && TRANSIENT_CODES.has(code);
}

function backoff(attempt: number, e: unknown): number {
  const base = e instanceof S3ResponseError && THROTTLING.has(e.code) ? 500 : 100;
  return Math.floor(Math.random() * Math.min(20_000, base * 2 ** attempt));
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
