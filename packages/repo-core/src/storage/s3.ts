/**
 * S3Storage: a repository under an S3 bucket/prefix (AWS, MinIO, any S3-compatible service).
 * Ranged GetObject for reads, ListObjectsV2 for listings; nothing is ever written.
 *
 * Connection: custom endpoint and region, path-style addressing by default for non-AWS
 * endpoints, a CA bundle file and an explicit insecure-TLS switch on an https.Agent with
 * keep-alive and a connection cap (NodeHttpHandler), credentials from options or the SDK's
 * default chain (AWS_* env vars, profiles, instance roles), and the SDK's standard retry
 * strategy (exponential backoff with jitter on 5xx, throttling and connection resets).
 * Errors become AccessDeniedError, NoSuchBucketError, TlsError, MissingObjectError or a
 * StorageError.
 *
 * `@aws-sdk/client-s3` and `@smithy/node-http-handler` are loaded with a dynamic `import()` when
 * the first request is made (see `sdk()`), not when this module is imported.
 */

import { readFileSync } from 'node:fs';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';

// Types only: the SDK (~0.4–1 s of module loading) is imported on first use, so commands on
// local repositories never load it.
import type * as S3Sdk from '@aws-sdk/client-s3';
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import type { NodeHttpHandler } from '@smithy/node-http-handler';

import {
  AccessDeniedError,
  IntegrityError,
  MissingObjectError,
  NoSuchBucketError,
  StorageError,
  TlsError,
  UsageError,
} from '../errors.js';
import { checkObjectName } from './names.js';
import type { ObjectInfo, ReadRange, Storage } from './storage.js';

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

type Sdk = typeof S3Sdk;
type NodeHttpHandlerClass = typeof NodeHttpHandler;

let sdkPromise: Promise<{ s3: Sdk; NodeHttpHandler: NodeHttpHandlerClass }> | undefined;

/** Load the AWS SDK once per process, on first use. */
function sdk(): Promise<{ s3: Sdk; NodeHttpHandler: NodeHttpHandlerClass }> {
  sdkPromise ??= Promise.all([
    import('@aws-sdk/client-s3'),
    import('@smithy/node-http-handler'),
  ]).then(([s3, handler]) => ({ s3, NodeHttpHandler: handler.NodeHttpHandler }));
  // a failed load (broken install) is not cached: the next call tries again
  sdkPromise.catch(() => {
    sdkPromise = undefined;
  });
  return sdkPromise;
}

export class S3Storage implements Storage {
  readonly location: string;
  readonly #bucket: string;
  readonly #prefix: string;
  readonly #config: S3ClientConfig;
  readonly #agents: { httpAgent: HttpAgent; httpsAgent: HttpsAgent };
  #client: Promise<S3Client> | undefined;
  #closed = false;

  constructor(target: S3Target, options: S3Options = {}) {
    const env = options.env ?? process.env;
    const endpoint = options.endpoint ?? target.endpoint;
    if (!/^https?:\/\//.test(endpoint)) throw new UsageError(`bad S3 endpoint ${endpoint}`);
    this.#bucket = target.bucket;
    this.#prefix = target.prefix ? `${target.prefix.replace(/\/+$/, '')}/` : '';
    this.location = `s3:${endpoint}/${target.bucket}${target.prefix ? `/${target.prefix}` : ''}`;
    const maxSockets = options.maxConnections ?? 16;
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
    const httpsAgent = new HttpsAgent({
      keepAlive: true,
      maxSockets,
      ...(ca ? { ca } : {}),
      rejectUnauthorized: options.insecureTls !== true,
    });
    const httpAgent = new HttpAgent({ keepAlive: true, maxSockets });
    this.#agents = { httpAgent, httpsAgent };
    const config: S3ClientConfig = {
      endpoint,
      region: options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
      forcePathStyle: options.forcePathStyle ?? !target.isAws,
      maxAttempts: options.maxAttempts ?? 5,
      retryMode: 'standard',
      // reads verify MACs and hashes themselves; skip the SDK's per-response CRC work
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestChecksumCalculation: 'WHEN_REQUIRED',
    };
    if (options.accessKeyId && options.secretAccessKey) {
      config.credentials = {
        accessKeyId: options.accessKeyId,
        secretAccessKey: options.secretAccessKey,
        ...(options.sessionToken ? { sessionToken: options.sessionToken } : {}),
      };
    }
    this.#config = config;
  }

  /** The SDK client, created (and the SDK loaded) on first use. */
  client(): Promise<S3Client> {
    if (this.#closed)
      return Promise.reject(new StorageError(`${this.location}: storage is closed`));
    this.#client ??= sdk().then(({ s3, NodeHttpHandler }) => {
      const client = new s3.S3Client({
        ...this.#config,
        requestHandler: new NodeHttpHandler({
          ...this.#agents,
          connectionTimeout: 15_000,
          requestTimeout: 120_000,
        }),
      });
      if (this.#closed) client.destroy();
      return client;
    });
    this.#client.catch(() => {
      this.#client = undefined;
    });
    return this.#client;
  }

  #key(name: string): string {
    checkObjectName(name);
    return this.#prefix + name;
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    let token: string | undefined;
    do {
      let out;
      try {
        const [client, { s3 }] = await Promise.all([this.client(), sdk()]);
        out = await client.send(
          new s3.ListObjectsV2Command({
            Bucket: this.#bucket,
            Prefix: this.#prefix + prefix,
            ContinuationToken: token,
          }),
        );
      } catch (e) {
        throw this.#mapError(e, prefix);
      }
      for (const o of out.Contents ?? []) {
        if (!o.Key || !o.Key.startsWith(this.#prefix)) continue;
        const name = o.Key.slice(this.#prefix.length);
        if (name === '' || name.endsWith('/')) continue;
        yield { name, size: o.Size ?? 0 };
      }
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
  }

  async read(name: string, range?: ReadRange): Promise<Uint8Array> {
    const Key = this.#key(name);
    if (range && range.length === 0) {
      const st = await this.stat(name);
      if (!st) throw new MissingObjectError(`${name} (in ${this.location})`, { name });
      if (range.offset > st.size)
        throw new IntegrityError(`${this.location}: ${name} is shorter than asked`, { name });
      return new Uint8Array();
    }
    let body: Uint8Array;
    try {
      const [client, { s3 }] = await Promise.all([this.client(), sdk()]);
      const out = await client.send(
        new s3.GetObjectCommand({
          Bucket: this.#bucket,
          Key,
          Range: range ? `bytes=${range.offset}-${range.offset + range.length - 1}` : undefined,
        }),
      );
      body = out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
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
      const Key = this.#key(name);
      const [client, { s3 }] = await Promise.all([this.client(), sdk()]);
      const out = await client.send(new s3.HeadObjectCommand({ Bucket: this.#bucket, Key }));
      return { name, size: out.ContentLength ?? 0 };
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
      const [client, { s3 }] = await Promise.all([this.client(), sdk()]);
      await client.send(new s3.HeadBucketCommand({ Bucket: this.#bucket }));
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
    const pending = this.#client;
    if (pending) {
      // a client being created is destroyed as soon as it exists (see client())
      const client = await pending.catch(() => undefined);
      client?.destroy();
    } else {
      this.#agents.httpAgent.destroy();
      this.#agents.httpsAgent.destroy();
    }
  }

  #mapError(e: unknown, name: string): Error {
    const code = errCode(e);
    const status = (e as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
    const data = { location: this.location, name, code, status };
    const tls = tlsCause(e);
    if (tls)
      return new TlsError(
        `TLS handshake with ${this.location} failed (${tls}): pass the server's CA with --s3-ca-file (or --s3-insecure-tls to skip checks)`,
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
