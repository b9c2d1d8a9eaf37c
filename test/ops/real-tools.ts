/**
 * Restores a fixture snapshot with the real tool that wrote the repository, through the harness
 * drivers (test/harness/real-tools.ts). A flat-layout kopia fixture holds S3 object names, so
 * kopia reads it from a MinIO it is uploaded to.
 */
import { kopiaRestore, resticRestore, withKopia } from '../harness/real-tools.js';
import { startMinio, type MinioServer } from '../harness/minio.js';
import type { RepoFixture } from '../harness/types.js';

let minio: Promise<MinioServer> | undefined;
const uploaded = new Set<string>();

/** stops the MinIO started for flat fixtures, if any */
export async function stopRealToolServers(): Promise<void> {
  if (minio) await (await minio).stop();
  minio = undefined;
}

export async function realToolRestore(
  fx: RepoFixture,
  repoPath: string,
  snapshotId: string,
  target: string,
): Promise<void> {
  if (fx.format === 'restic') {
    await resticRestore(repoPath, fx.password, snapshotId, target);
    return;
  }
  if ((fx.settings.layout ?? '').startsWith('flat')) {
    minio ??= startMinio();
    const server = await minio;
    if (!uploaded.has(fx.name)) {
      await server.createBucket(fx.name);
      await server.uploadDir(fx.name, '', repoPath);
      uploaded.add(fx.name);
    }
    await withKopia({ minio: server, bucket: fx.name }, fx.password, (k) =>
      kopiaRestore(k, snapshotId, target),
    );
    return;
  }
  await withKopia({ path: repoPath }, fx.password, (k) => kopiaRestore(k, snapshotId, target));
}
