/**
 * AWS Signature Version 4 for S3 requests without a body (GET, HEAD): the canonical request,
 * string to sign and Authorization header of "Authenticating Requests (AWS Signature Version 4)"
 * in the S3 API reference, header-based, with the empty-payload hash as x-amz-content-sha256.
 * S3 paths are URI-encoded once and never normalised (unlike other AWS services).
 *
 * Pure: the caller passes the time; the derived signing key is cached per day, region and secret.
 */

import { createHash, createHmac } from 'node:crypto';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface SignInput {
  method: 'GET' | 'HEAD';
  /** host header value: hostname, plus `:port` when not the scheme's default */
  host: string;
  /** already URI-encoded path (see encodePath) */
  path: string;
  /** query parameters, unencoded */
  query?: readonly (readonly [string, string])[];
  /** extra headers to sign (e.g. range), lowercase names */
  headers?: Readonly<Record<string, string>>;
  region: string;
  credentials: AwsCredentials;
  now: Date;
}

/** SHA-256 of the empty string: the payload hash of every request without a body */
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** RFC 3986 encoding as SigV4 wants it: everything but A–Z a–z 0–9 - . _ ~ becomes %XX */
export function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** an object key as a path: each '/'-separated segment encoded, slashes kept */
export function encodePath(key: string): string {
  return key.split('/').map(uriEncode).join('/');
}

/** `a=1&b=2` with keys and values encoded and sorted by key, then value (canonical order) */
export function canonicalQuery(query: readonly (readonly [string, string])[] = []): string {
  return query
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

/** `20130524T000000Z` */
export function amzDate(now: Date): string {
  return now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

let cachedKey: { scope: string; secret: string; key: Buffer } | undefined;

function signingKey(secret: string, day: string, region: string): Buffer {
  const scope = `${day}/${region}`;
  if (cachedKey && cachedKey.scope === scope && cachedKey.secret === secret) return cachedKey.key;
  const hmac = (k: string | Buffer, d: string) => createHmac('sha256', k).update(d).digest();
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, day), region), 's3'), 'aws4_request');
  cachedKey = { scope, secret, key };
  return key;
}

/**
 * The headers to send with the request: host, x-amz-date, x-amz-content-sha256, the signed
 * extras, x-amz-security-token for temporary credentials, and authorization.
 */
export function signRequest(input: SignInput): Record<string, string> {
  const date = amzDate(input.now);
  const day = date.slice(0, 8);
  const headers: Record<string, string> = {
    host: input.host,
    'x-amz-content-sha256': EMPTY_SHA256,
    'x-amz-date': date,
  };
  for (const [k, v] of Object.entries(input.headers ?? {})) headers[k.toLowerCase()] = v;
  if (input.credentials.sessionToken)
    headers['x-amz-security-token'] = input.credentials.sessionToken;
  const names = Object.keys(headers).sort();
  const canonicalHeaders = names
    .map((n) => `${n}:${headers[n]!.trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  const signedHeaders = names.join(';');
  const canonicalRequest = [
    input.method,
    input.path,
    canonicalQuery(input.query),
    canonicalHeaders,
    signedHeaders,
    EMPTY_SHA256,
  ].join('\n');
  const scope = `${day}/${input.region}/s3/aws4_request`;
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    date,
    scope,
    createHash('sha256').update(canonicalRequest).digest('hex'),
  ].join('\n');
  const signature = createHmac(
    'sha256',
    signingKey(input.credentials.secretAccessKey, day, input.region),
  )
    .update(stringToSign)
    .digest('hex');
  headers.authorization =
    `AWS4-HMAC-SHA256 Credential=${input.credentials.accessKeyId}/${scope}, ` +
    `SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return headers;
}
