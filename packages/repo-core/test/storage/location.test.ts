/** restic-compatible repository locations (restic doc/030_preparing_a_new_repo.rst). */
import { expect, it } from 'vitest';

import { parseLocation, UsageError } from '../../src/index.js';

it('parses local paths', () => {
  expect(parseLocation('/srv/repo')).toEqual({ kind: 'local', path: '/srv/repo' });
  expect(parseLocation('local:/srv/repo')).toEqual({ kind: 'local', path: '/srv/repo' });
  expect(parseLocation('./rel')).toEqual({ kind: 'local', path: './rel' });
  expect(parseLocation('C:\\backup')).toEqual({ kind: 'local', path: 'C:\\backup' });
});

it('parses s3 locations', () => {
  expect(parseLocation('s3:https://minio.local:9000/bucket/some/prefix')).toEqual({
    kind: 's3',
    endpoint: 'https://minio.local:9000',
    bucket: 'bucket',
    prefix: 'some/prefix',
    useHttps: true,
    isAws: false,
  });
  expect(parseLocation('s3:http://127.0.0.1:9000/b')).toMatchObject({
    endpoint: 'http://127.0.0.1:9000',
    bucket: 'b',
    prefix: '',
    useHttps: false,
  });
  expect(parseLocation('s3:minio.local/bucket/p')).toMatchObject({
    endpoint: 'https://minio.local',
    bucket: 'bucket',
    prefix: 'p',
  });
  expect(parseLocation('s3:s3.amazonaws.com/bucket/k8up/ns')).toMatchObject({
    endpoint: 'https://s3.amazonaws.com',
    bucket: 'bucket',
    prefix: 'k8up/ns',
    isAws: true,
  });
});

it('rejects what it cannot read', () => {
  expect(() => parseLocation('s3:host-only')).toThrow(UsageError);
  expect(() => parseLocation('sftp:user@host:/srv')).toThrow(UsageError);
  expect(() => parseLocation('')).toThrow(UsageError);
});
