/**
 * A restic repository (made by the real restic) read from a real MinIO, plain and TLS with the
 * generated CA, byte for byte against the local copy; S3 failures give typed errors: TLS without
 * the CA → TlsError, bad credentials → AccessDeniedError, unknown bucket → NoSuchBucketError.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startMinio, type MinioServer } from '../../../../test/harness/minio.js';
import { readSnapshotEntries } from '../../../../test/harness/read-compare.js';
import {
  AccessDeniedError,
  NoSuchBucketError,
  openRepository,
  TlsError,
  type S3Options,
} from '../../src/index.js';
import { cleanupMade, madeRepoCopy, PASSWORD } from './make-repo.js';

let plain: MinioServer;
let tls: MinioServer;
let local: string;

beforeAll(async () => {
  local = await madeRepoCopy();
  [plain, tls] = await Promise.all([startMinio(), startMinio({ tls: true })]);
  for (const m of [plain, tls]) {
    await m.createBucket('backups');
    await m.uploadDir('backups', 'k8up/ns1/', local);
  }
});

afterAll(async () => {
  await Promise.all([plain?.stop(), tls?.stop()]);
  await cleanupMade();
});

const creds = (m: MinioServer): S3Options => ({
  accessKeyId: m.accessKey,
  secretAccessKey: m.secretKey,
  region: m.region,
  maxAttempts: 2,
});

describe('restic over S3 (MinIO)', () => {
  it.each([
    ['plain', () => plain, {}],
    ['tls', () => tls, () => ({ caFile: tls.caFile })],
  ] as const)('%s: every entry and file equals the local read', async (_n, server, extra) => {
    const m = server();
    const viaS3 = await openRepository(`s3:${m.endpoint}/backups/k8up/ns1`, {
      password: PASSWORD,
      cacheDir: false,
      s3: { ...creds(m), ...(typeof extra === 'function' ? extra() : extra) },
    });
    const viaDisk = await openRepository(local, { password: PASSWORD, cacheDir: false });
    const [s1] = await viaS3.snapshots();
    const [s2] = await viaDisk.snapshots();
    expect(s1!.id).toBe(s2!.id);
    expect(await readSnapshotEntries(viaS3, s1!)).toEqual(await readSnapshotEntries(viaDisk, s2!));
    await viaS3.close();
  });

  it('takes credentials from AWS_* env vars', async () => {
    const saved = { ...process.env };
    process.env.AWS_ACCESS_KEY_ID = plain.accessKey;
    process.env.AWS_SECRET_ACCESS_KEY = plain.secretKey;
    process.env.AWS_REGION = plain.region;
    try {
      const repo = await openRepository(`s3:${plain.endpoint}/backups/k8up/ns1`, {
        password: PASSWORD,
        cacheDir: false,
      });
      expect((await repo.snapshots()).length).toBe(1);
      await repo.close();
    } finally {
      for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION'])
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
    }
  });

  it('TLS with the explicit insecure switch and no CA reads', async () => {
    const repo = await openRepository(`s3:${tls.endpoint}/backups/k8up/ns1`, {
      password: PASSWORD,
      cacheDir: false,
      s3: { ...creds(tls), insecureTls: true },
    });
    expect((await repo.snapshots()).length).toBe(1);
    await repo.close();
  });

  it('TLS without the CA → TlsError', async () => {
    await expect(
      openRepository(`s3:${tls.endpoint}/backups/k8up/ns1`, {
        password: PASSWORD,
        cacheDir: false,
        s3: creds(tls),
      }),
    ).rejects.toBeInstanceOf(TlsError);
  });

  it('wrong credentials → AccessDeniedError; no such bucket → NoSuchBucketError', async () => {
    await expect(
      openRepository(`s3:${plain.endpoint}/backups/k8up/ns1`, {
        password: PASSWORD,
        cacheDir: false,
        s3: { ...creds(plain), secretAccessKey: 'wrong-secret-key' },
      }),
    ).rejects.toBeInstanceOf(AccessDeniedError);
    await expect(
      openRepository(`s3:${plain.endpoint}/no-such-bucket/x`, {
        password: PASSWORD,
        cacheDir: false,
        s3: creds(plain),
      }),
    ).rejects.toBeInstanceOf(NoSuchBucketError);
  });
});
