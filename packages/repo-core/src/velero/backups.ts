/**
 * Velero's bucket layout, read-only: backups under `backups/<name>/`, their pod-volume and
 * data-mover volume records, and the kopia repository (`kopia/<namespace>/`) and snapshot id
 * each volume was backed up to. Turns "restore Velero backups without Velero" into: list
 * backups, pick a volume, open its kopia repository, read snapshot `snapshotId`.
 * spec §21.3, §21.5, §21.6; Velero pkg/persistence/object_store_layout.go,
 * pkg/repository/provider/unified_repo.go (getStorageVariables), pkg/uploader/kopia/snapshot.go
 */

import { gunzip } from '../compress/gzip.js';
import { IntegrityError, MissingObjectError } from '../errors.js';
import type { Storage } from '../storage/storage.js';

/** what one volume of one backup was saved as */
export interface VeleroVolume {
  readonly backup: string;
  /** `pod-volume` (PodVolumeBackup, file-system backup) or `data-mover` (CSI DataUpload) */
  readonly kind: 'pod-volume' | 'data-mover';
  /** the namespace whose kopia repository holds it */
  readonly namespace: string;
  readonly pod?: string;
  readonly volume?: string;
  readonly pvc?: string;
  readonly uploaderType: string;
  /** kopia snapshot manifest id ('' when the volume was not backed up) */
  readonly snapshotId: string;
  /** key prefix of the repository inside the bucket view, e.g. `kopia/app/` */
  readonly repositoryPrefix: string;
  readonly phase?: string;
}

export interface VeleroBackup {
  readonly name: string;
  readonly phase?: string;
  readonly startTimestamp?: string;
  readonly completionTimestamp?: string;
  readonly volumes: readonly VeleroVolume[];
}

/** largest gzip'd metadata document decoded */
const MAX_DOC = 256 * 1024 * 1024;

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {};
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** names of the backups in a bucket view rooted at the BackupStorageLocation prefix */
export async function listVeleroBackups(storage: Storage): Promise<string[]> {
  const names = new Set<string>();
  for await (const o of storage.list('backups/')) {
    const m = /^backups\/([^/]+)\/velero-backup\.json$/.exec(o.name);
    if (m) names.add(m[1]!);
  }
  return [...names].sort();
}

/** namespaces that have a kopia repository (`kopia/<ns>/kopia.repository`) */
export async function listVeleroKopiaRepositories(storage: Storage): Promise<string[]> {
  const out = new Set<string>();
  for await (const o of storage.list('kopia/')) {
    const m = /^kopia\/([^/]+)\/kopia\.repository(\.f)?$/.exec(o.name);
    if (m) out.add(m[1]!);
  }
  return [...out].sort();
}

async function readJson(storage: Storage, key: string, gz: boolean): Promise<unknown | undefined> {
  let raw: Uint8Array;
  try {
    raw = await storage.read(key);
  } catch (e) {
    if (e instanceof MissingObjectError) return undefined;
    throw e;
  }
  try {
    const bytes = gz ? gunzip(raw, MAX_DOC) : raw;
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new IntegrityError(
      `Velero document ${key} is not valid ${gz ? 'gzip ' : ''}JSON`,
      { key },
      { cause: e },
    );
  }
}

const repoPrefix = (ns: string) => `kopia/${ns}/`;

/** one backup: its status and every kopia volume snapshot it recorded */
export async function readVeleroBackup(storage: Storage, name: string): Promise<VeleroBackup> {
  const dir = `backups/${name}/`;
  const backup = obj(await readJson(storage, `${dir}velero-backup.json`, false));
  const status = obj(backup['status']);
  const volumes: VeleroVolume[] = [];
  const seen = new Set<string>();

  const pvbs = await readJson(storage, `${dir}${name}-podvolumebackups.json.gz`, true);
  for (const raw of Array.isArray(pvbs) ? pvbs : []) {
    const pvb = obj(raw);
    const spec = obj(pvb['spec']);
    const st = obj(pvb['status']);
    const pod = obj(spec['pod']);
    const uploaderType = str(spec['uploaderType']) ?? '';
    if (uploaderType !== '' && uploaderType !== 'kopia') continue;
    const namespace = str(pod['namespace']) ?? '';
    const snapshotId = str(st['snapshotID']) ?? '';
    seen.add(snapshotId);
    const pvc = str(obj(obj(pvb['metadata'])['annotations'])['velero.io/pvc-name']);
    volumes.push({
      backup: name,
      kind: 'pod-volume',
      namespace,
      ...(str(pod['name']) ? { pod: str(pod['name']) } : {}),
      ...(str(spec['volume']) ? { volume: str(spec['volume']) } : {}),
      ...(pvc ? { pvc } : {}),
      uploaderType: uploaderType || 'kopia',
      snapshotId,
      repositoryPrefix: repoPrefix(namespace),
      ...(str(st['phase']) ? { phase: str(st['phase']) } : {}),
    });
  }

  const infos = await readJson(storage, `${dir}${name}-volumeinfo.json.gz`, true);
  for (const raw of Array.isArray(infos) ? infos : []) {
    const vi = obj(raw);
    const dm = obj(vi['snapshotDataMovementInfo']);
    const handle = str(dm['snapshotHandle']);
    if (!handle || seen.has(handle) || (str(dm['uploaderType']) ?? 'kopia') !== 'kopia') continue;
    const namespace = str(vi['pvcNamespace']) ?? '';
    seen.add(handle);
    volumes.push({
      backup: name,
      kind: 'data-mover',
      namespace,
      ...(str(vi['pvcName']) ? { pvc: str(vi['pvcName']) } : {}),
      uploaderType: 'kopia',
      snapshotId: handle,
      repositoryPrefix: repoPrefix(namespace),
      ...(str(dm['Phase']) ? { phase: str(dm['Phase']) } : {}),
    });
  }

  return {
    name,
    ...(str(status['phase']) ? { phase: str(status['phase']) } : {}),
    ...(str(status['startTimestamp']) ? { startTimestamp: str(status['startTimestamp']) } : {}),
    ...(str(status['completionTimestamp'])
      ? { completionTimestamp: str(status['completionTimestamp']) }
      : {}),
    volumes,
  };
}
