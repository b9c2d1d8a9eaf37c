/**
 * @salvage/repo-core: read restic and kopia repositories, read-only.
 *
 * @example
 *   const repo = await openRepository('s3:https://minio.local/backups/k8up', { password });
 *   for (const s of await repo.snapshots()) console.log(s.shortId, s.time, s.paths);
 */
export * from './errors.js';
export * from './model.js';
export type { Storage, ObjectInfo, ReadRange } from './storage/storage.js';
export * from './ops/index.js';
