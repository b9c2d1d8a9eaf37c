/**
 * Snapshot files (spec §10; restic internal/data/snapshot.go) into model `Snapshot`s. The id is
 * the storage id (hash of the encrypted file); unknown fields are kept in `extra`.
 */

import { IntegrityError } from '../errors.js';
import type { Snapshot } from '../model.js';
import { isHex64 } from './ids.js';
import { nsToDate, parseTimeNs } from '../util/rfc3339.js';

export interface ResticSnapshotRef {
  readonly tree: string;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

export function parseSnapshot(id: string, doc: unknown): Snapshot {
  const what = `snapshots/${id}`;
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw new IntegrityError(`${what}: not a JSON object`, { what });
  const j = doc as Record<string, unknown>;
  if (!isHex64(j.tree)) throw new IntegrityError(`${what}: no root tree id`, { what });
  const timeNs = typeof j.time === 'string' ? parseTimeNs(j.time) : undefined;
  if (timeNs === undefined) throw new IntegrityError(`${what}: bad or missing time`, { what });
  const summary = (typeof j.summary === 'object' && j.summary !== null ? j.summary : undefined) as
    | Record<string, unknown>
    | undefined;
  const n = (v: unknown) => (typeof v === 'number' ? v : undefined);
  const endNs =
    summary && typeof summary.backup_end === 'string' ? parseTimeNs(summary.backup_end) : undefined;
  const ref: ResticSnapshotRef = { tree: j.tree.toLowerCase() };
  return {
    id,
    shortId: id.slice(0, 8),
    time: nsToDate(timeNs),
    timeNs,
    endTime: endNs === undefined ? undefined : nsToDate(endNs),
    hostname: typeof j.hostname === 'string' ? j.hostname : '',
    username: typeof j.username === 'string' ? j.username : '',
    paths: strings(j.paths),
    tags: strings(j.tags),
    description: typeof j.description === 'string' ? j.description : undefined,
    parent: isHex64(j.parent) ? j.parent.toLowerCase() : undefined,
    summary: summary
      ? {
          files: n(summary.total_files_processed),
          bytes: n(summary.total_bytes_processed),
        }
      : undefined,
    extra: j,
    ref,
  };
}
