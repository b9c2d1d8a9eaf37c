/**
 * SigV4 for S3 against the worked examples of the S3 API reference ("Signature Calculations for
 * the Authorization Header: Transferring Payload in a Single Chunk", example credentials
 * AKIAIOSFODNN7EXAMPLE, 2013-05-24, us-east-1, bucket examplebucket): GET Object with a Range,
 * GET Bucket lifecycle (a valueless sub-resource) and GET Bucket (list) with two query
 * parameters. Plus the RFC 3986 encoding rules S3 paths and queries use.
 */
import { describe, expect, it } from 'vitest';

import {
  amzDate,
  canonicalQuery,
  EMPTY_SHA256,
  encodePath,
  signRequest,
  uriEncode,
} from '../../src/storage/sigv4.js';

const credentials = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};
const now = new Date('2013-05-24T00:00:00Z');
const host = 'examplebucket.s3.amazonaws.com';

describe('signRequest (AWS documentation examples)', () => {
  it('GET Object with a Range header', () => {
    const h = signRequest({
      method: 'GET',
      host,
      path: '/test.txt',
      headers: { range: 'bytes=0-9' },
      region: 'us-east-1',
      credentials,
      now,
    });
    expect(h.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, ' +
        'SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, ' +
        'Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    );
    expect(h['x-amz-date']).toBe('20130524T000000Z');
    expect(h['x-amz-content-sha256']).toBe(EMPTY_SHA256);
    expect(h.host).toBe(host);
  });

  it('GET Bucket lifecycle (a parameter without value)', () => {
    const h = signRequest({
      method: 'GET',
      host,
      path: '/',
      query: [['lifecycle', '']],
      region: 'us-east-1',
      credentials,
      now,
    });
    expect(h.authorization).toMatch(
      /Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543$/,
    );
  });

  it('GET Bucket (list objects): query parameters sorted and encoded', () => {
    const h = signRequest({
      method: 'GET',
      host,
      path: '/',
      query: [
        ['prefix', 'J'],
        ['max-keys', '2'],
      ],
      region: 'us-east-1',
      credentials,
      now,
    });
    expect(h.authorization).toMatch(
      /Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7$/,
    );
  });

  it('adds and signs x-amz-security-token for temporary credentials', () => {
    const h = signRequest({
      method: 'HEAD',
      host,
      path: '/test.txt',
      region: 'eu-west-1',
      credentials: { ...credentials, sessionToken: 'tok/en+=' },
      now,
    });
    expect(h['x-amz-security-token']).toBe('tok/en+=');
    expect(h.authorization).toContain(
      'SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,',
    );
    expect(h.authorization).toContain('/20130524/eu-west-1/s3/aws4_request');
  });
});

describe('encoding', () => {
  it('uriEncode keeps only unreserved characters', () => {
    expect(uriEncode("a-b_c.d~e f/g+h=i&j*k(l)m!n'o")).toBe(
      'a-b_c.d~e%20f%2Fg%2Bh%3Di%26j%2Ak%28l%29m%21n%27o',
    );
    expect(uriEncode('é')).toBe('%C3%A9');
  });

  it('encodePath keeps slashes; canonicalQuery sorts by encoded key', () => {
    expect(encodePath('data/ab/a b+c')).toBe('data/ab/a%20b%2Bc');
    expect(
      canonicalQuery([
        ['prefix', 'p/x y'],
        ['list-type', '2'],
        ['continuation-token', 'a+b='],
      ]),
    ).toBe('continuation-token=a%2Bb%3D&list-type=2&prefix=p%2Fx%20y');
  });

  it('amzDate is the basic ISO 8601 form without milliseconds', () => {
    expect(amzDate(new Date('2026-11-22T01:02:03.456Z'))).toBe('20261122T010203Z');
  });
});
