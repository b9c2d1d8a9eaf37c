// The fixture repositories served from real MinIO for a suite: one plain-HTTP and one TLS server
// (its own generated CA), bucket `fixtures`, each repository under `<format>/<name>/`. Started in
// the calling suite's beforeAll, stopped in its afterAll.
import { afterAll, beforeAll } from 'vitest';
import { openRepository, type Repository } from '@salvage/repo-core';
import { fixtureRepoPath } from './fixtures.js';
import { startMinio, type MinioServer } from './minio.js';
import type { RepoFixture } from './types.js';

export type Where = 'local' | 'minio' | 'minio-tls';

export interface FixtureBuckets {
  /** a fixture opened from its directory, from plain MinIO or from TLS MinIO (trusting the CA) */
  openAt(where: Where, fixture: RepoFixture): Promise<Repository>;
}

export function serveFixtures(fixtures: readonly RepoFixture[]): FixtureBuckets {
  let plain: MinioServer | undefined;
  let tls: MinioServer | undefined;
  beforeAll(async () => {
    [plain, tls] = await Promise.all([startMinio(), startMinio({ tls: true })]);
    for (const m of [plain, tls]) {
      await m.createBucket('fixtures');
      for (const f of fixtures)
        await m.uploadDir('fixtures', `${f.format}/${f.name}/`, fixtureRepoPath(f.name));
    }
  });
  afterAll(async () => {
    await Promise.all([plain?.stop(), tls?.stop()]);
  });
  return {
    openAt(where, f) {
      const options = { password: f.password, cacheDir: false as const };
      if (where === 'local') return openRepository(fixtureRepoPath(f.name), options);
      const m = (where === 'minio' ? plain : tls)!;
      return openRepository(`s3:${m.endpoint}/fixtures/${f.format}/${f.name}`, {
        ...options,
        s3: {
          accessKeyId: m.accessKey,
          secretAccessKey: m.secretKey,
          region: m.region,
          ...(m.caFile ? { caFile: m.caFile } : {}),
        },
      });
    },
  };
}
