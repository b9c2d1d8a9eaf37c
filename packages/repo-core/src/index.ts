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
export { openRepository, storageForLocation, type OpenRepositoryOptions } from './open.js';
export { LocalStorage } from './storage/local.js';
export { S3Storage, type S3Options } from './storage/s3.js';
export { parseLocation, formatLocation, type Location } from './storage/location.js';
export { CachedStorage } from './cache/cached-storage.js';
export { defaultCacheDir } from './cache/cache-dir.js';
export {
  filterSnapshots,
  matchesFilter,
  selectSnapshot,
  sortSnapshots,
} from './snapshot-select.js';
export { ResticRepository } from './restic/repository.js';
export { KopiaRepository } from './kopia/repository.js';
export { openKopiaRepository, type KopiaOpenOptions } from './kopia/open.js';
export {
  listVeleroBackups,
  listVeleroKopiaRepositories,
  readVeleroBackup,
  type VeleroBackup,
  type VeleroVolume,
} from './velero/backups.js';
export { SubStorage } from './velero/sub-storage.js';
export { setCryptoPath, cryptoUsage, type CryptoPath } from './crypto/select.js';
export { zstdDecompress, type ZstdOptions } from './compress/zstd.js';
