/**
 * S3Storage: a repository under an S3 bucket/prefix (AWS, MinIO, any S3-compatible service).
 * Ranged GetObject for reads, ListObjectsV2 for listings, HeadObject for stat; nothing is ever
 * written.
 *
 * Connection: custom endpoint and region, path-style addressing by default for non-AWS
 * endpoints, a CA bundle file (added to Node's CAs) and an explicit insecure-TLS switch,
 * keep-alive connections up to a cap, credentials from options, AWS_* env vars or the SDK's
 * default chain (s3-credentials.ts), and the SDK's standard retry behaviour (s3-http.ts).
 * Errors become AccessDeniedError, NoSuchBucketError, TlsError, MissingObjectError or a
 * StorageError.
 *
 * Requests are signed here (sigv4.ts) and sent over a small HTTP/1.1 client (http1.ts) that reads
 * object bytes straight into their final buffer: the AWS SDK's GetObject path cost ~1.3 s more CPU
 * per 537 MB than the same reads from disk (bench/RESULTS.md). The SDK is loaded only to find
 * credentials that are neither in the options nor in the environment.
 */

import { constants as bufferConstants } from 'node:buffer';
import { readFileSync } from 'node:fs';

import {
  AccessDeniedError,
  IntegrityError,
  MissingObjectError,
  NoSuchBucketError,
  SalvageError,
  StorageError,
  TlsError,
  UsageError,
} from '../errors.js';
import { checkObjectName } from './names.js';
import { credentialSource, type CredentialSource } from './s3-credentials.js';
import { S3Http } from './s3-http.js';
import { parseListPage, type ListPage } from './s3-xml.js';
import type { ObjectInfo, ReadRange, Storage } from './storage.js';

/** largest ListObjectsV2 page accepted (1,000 keys are ~300 KB) */
const LIST_MAX = 16 * 1024 * 1024;

export interface S3Options {
  /** override the endpoint from the location (scheme://host[:port]) */
  endpoint?: string;
  /** default: AWS_REGION, AWS_DEFAULT_REGION, else us-east-1 */
  region?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  /** PEM bundle of CAs to trust (replaces nothing: added to Node's defaults) */
  caFile?: string;
  /** accept any certificate: only for tests and emergencies, never the default */
  insecureTls?: boolean;
  /** default: true for non-AWS endpoints */
  forcePathStyle?: boolean;
  /** parallel connections (default 16) */
  maxConnections?: number;
  /** attempts per request including the first (default 5) */
  maxAttempts?: number;
  /** environment for defaults (default: process.env) */
  env?: Record<string, string | undefined>;
}

export interface S3Target {
  endpoint: string;
  bucket: string;
  prefix: string;
  isAws: boolean;
}

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
]);

function errCode(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const o = e as { code?: unknown; name?: unknown; Code?: unknown };
  if (typeof o.code === 'string') return o.code;
  if (typeof o.Code === 'string') return o.Code;
  return typeof o.name === 'string' ? o.name : undefined;
}

function tlsCause(e: unknown): string | undefined {
  for (let c: unknown = e, depth = 0; c && depth < 6; depth++) {
    const code = errCode(c);
    if (code && TLS_CODES.has(code)) return code;
    const msg = c instanceof Error ? c.message : '';
    if (/certificate|self[- ]signed|SSL routines|TLS/i.test(msg)) return code ?? 'TLS';
    c = (c as { cause?: unknown }).cause;
  }
  return undefined;
}

export class S3Storage implements Storage {
  readonly location: string;
  readonly #bucket: string;
  readonly #prefix: string;
  readonly #http: S3Http;
  readonly #credentials: CredentialSource;
  #closed = false;

  constructor(target: S3Target, options: S3Options = {}) {
    const env = options.env ?? process.env;
    const endpoint = options.endpoint ?? target.endpoint;
    if (!/^https?:\/\//.test(endpoint)) throw new UsageError(`bad S3 endpoint ${endpoint}`);
    this.#bucket = target.bucket;
    this.#prefix = target.prefix ? `${target.prefix.replace(/\/+$/, '')}/` : '';
    this.location = `s3:${endpoint}/${target.bucket}${target.prefix ? `/${target.prefix}` : ''}`;
    let ca: string | undefined;
    if (options.caFile) {
      try {
        ca = readFileSync(options.caFile, 'utf8');
      } catch (e) {
        throw new UsageError(
          `cannot read CA file ${options.caFile}: ${String(e)}`,
          {},
          { cause: e },
        );
      }
    }
    const region = options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
    this.#credentials = credentialSource(options, env, region);
    this.#http = new S3Http({
      endpoint,
      bucket: target.bucket,
      region,
      forcePathStyle: options.forcePathStyle ?? !target.isAws,
      credentials: this.#credentials,
      maxAttempts: options.maxAttempts ?? 5,
      maxConnections: options.maxConnections ?? 16,
      ...(ca ? { ca } : {}),
      insecureTls: options.insecureTls === true,
    });
  }

  #key(name: string): string {
    checkObjectName(name);
    return this.#prefix + name;
  }

  #open(): void {
    if (this.#closed) throw new StorageError(`${this.location}: storage is closed`);
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    let token: string | undefined;
    do {
      let page: ListPage;
      try {
        this.#open();
        const query: [string, string][] = [
          ['list-type', '2'],
          ['prefix', this.#prefix + prefix],
        ];
        if (token) query.push(['continuation-token', token]);
        const res = await this.#http.send({ method: 'GET', query, maxBody: LIST_MAX });
        page = parseListPage(Buffer.from(res.body).toString('utf8'));
      } catch (e) {
        throw this.#mapError(e, prefix);
      }
      for (const o of page.objects) {
        if (!o.key.startsWith(this.#prefix)) continue;
        const name = o.key.slice(this.#prefix.length);
        if (name === '' || name.endsWith('/')) continue;
        yield { name, size: o.size };
      }
      token = page.next;
    } while (token);
  }

  async read(name: string, range?: ReadRange): Promise<Uint8Array> {
    const key = this.#key(name);
    if (range && range.length === 0) {
      const st = await this.stat(name);
      if (!st) throw new MissingObjectError(`${name} (in ${this.location})`, { name });
      if (range.offset > st.size)
        throw new IntegrityError(`${this.location}: ${name} is shorter than asked`, { name });
      return new Uint8Array();
    }
    let body: Uint8Array;
    try {
      this.#open();
      const res = await this.#http.send({
        method: 'GET',
        key,
        ...(range
          ? { headers: { range: `bytes=${range.offset}-${range.offset + range.length - 1}` } }
          : {}),
        maxBody: range ? range.length : bufferConstants.MAX_LENGTH,
      });
      body = res.body;
    } catch (e) {
      if (range && errCode(e) === 'InvalidRange')
        throw new IntegrityError(
          `${this.location}: ${name} is shorter than the range ${range.offset}+${range.length} asked for (truncated?)`,
          { name, offset: range.offset, length: range.length },
          { cause: e },
        );
      throw this.#mapError(e, name);
    }
    if (range && body.length !== range.length)
      throw new IntegrityError(
        `${this.location}: ${name} is shorter than the range ${range.offset}+${range.length} asked for (truncated?)`,
        { name, offset: range.offset, length: range.length, got: body.length },
      );
    return body;
  }

  async stat(name: string): Promise<ObjectInfo | undefined> {
    try {
      const key = this.#key(name);
      this.#open();
      const res = await this.#http.send({ method: 'HEAD', key, maxBody: 0 });
      return { name, size: Number(res.headers.get('content-length') ?? '0') };
    } catch (e) {
      const mapped = this.#mapError(e, name);
      if (!(mapped instanceof MissingObjectError)) throw mapped;
      // HEAD answers a bare 404 for a missing bucket too: tell the two apart once
      await this.#checkBucket();
      return undefined;
    }
  }

  #bucketOk = false;

  async #checkBucket(): Promise<void> {
    if (this.#bucketOk) return;
    try {
      await this.#http.send({ method: 'HEAD', maxBody: 0 });
      this.#bucketOk = true;
    } catch (e) {
      const mapped = this.#mapError(e, '');
      if (mapped instanceof MissingObjectError)
        throw new NoSuchBucketError(
          `bucket ${this.#bucket} does not exist (${this.location})`,
          {
            location: this.location,
            bucket: this.#bucket,
          },
          { cause: e },
        );
      throw mapped;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#http.close();
    this.#credentials.close();
  }

  #mapError(e: unknown, name: string): Error {
    if (e instanceof SalvageError) return e;
    const code = errCode(e);
    const status = (e as { status?: number })?.status;
    const data = { location: this.location, name, code, status };
    const tls = tlsCause(e);
    if (tls)
      return new TlsError(
        `TLS handshake with ${this.location} failed (${tls}): if the server's certificate comes from a private CA, pass that CA with --cacert FILE (or skip verification with --insecure-tls)`,
        data,
        { cause: e },
      );
    if (code === 'NoSuchBucket')
      return new NoSuchBucketError(
        `bucket ${this.#bucket} does not exist (${this.location})`,
        data,
        {
          cause: e,
        },
      );
    if (code === 'NoSuchKey' || code === 'NotFound' || status === 404)
      return new MissingObjectError(`${name} (in ${this.location})`, data, { cause: e });
    if (
      code === 'AccessDenied' ||
      code === 'InvalidAccessKeyId' ||
      code === 'SignatureDoesNotMatch' ||
      code === 'Forbidden' ||
      status === 403 ||
      status === 401
    )
      return new AccessDeniedError(
        `access denied by ${this.location} reading ${name || 'the bucket'} (${code ?? status}): check the S3 credentials and bucket policy`,
        data,
        { cause: e },
      );
    return new StorageError(`${this.location}: cannot read ${name}: ${String(e)}`, data, {
      cause: e,
      retryable: true,
    });
  }
}
