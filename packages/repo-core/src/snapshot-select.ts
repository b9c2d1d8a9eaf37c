/**
 * Format-agnostic snapshot selection (restic spec §18): filters (host: any of; tags: OR of
 * comma-separated AND groups, "" matches untagged; paths: every given path must be one of the
 * snapshot's), `latest` (ties broken by id, deterministically), `latest~N`, and id prefixes.
 */

import { AmbiguousSnapshotError, SnapshotNotFoundError, UsageError } from './errors.js';
import type { Snapshot, SnapshotFilter } from './model.js';

export function matchesFilter(s: Snapshot, f: SnapshotFilter | undefined): boolean {
  if (!f) return true;
  if (f.hosts && f.hosts.length > 0 && !f.hosts.includes(s.hostname)) return false;
  if (f.tags && f.tags.length > 0) {
    const ok = f.tags.some((group) => {
      const want = group
        .split(',')
        .map((t) => t.trim())
        .filter((t, _i, all) => t !== '' || all.length === 1);
      if (want.length === 1 && want[0] === '') return s.tags.length === 0;
      return want.every((t) => s.tags.includes(t));
    });
    if (!ok) return false;
  }
  if (f.paths && f.paths.length > 0 && !f.paths.every((p) => s.paths.includes(p))) return false;
  return true;
}

/** Oldest first; equal times ordered by id. */
export function sortSnapshots(list: Snapshot[]): Snapshot[] {
  return list.sort((a, b) =>
    a.timeNs < b.timeNs ? -1 : a.timeNs > b.timeNs ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
  );
}

export function filterSnapshots(list: readonly Snapshot[], f?: SnapshotFilter): Snapshot[] {
  return sortSnapshots(list.filter((s) => matchesFilter(s, f)));
}

/**
 * Resolve one snapshot argument: `latest`, `latest~N`, a full id or a unique id prefix. Filters
 * apply to `latest` only (restic ignores them for explicit ids).
 */
export function selectSnapshot(
  list: readonly Snapshot[],
  spec: string,
  filter?: SnapshotFilter,
): Snapshot {
  const latest = /^latest(?:~(\d+))?$/.exec(spec);
  if (latest) {
    const back = latest[1] === undefined ? 0 : Number(latest[1]);
    const matching = filterSnapshots(list, filter);
    const s = matching[matching.length - 1 - back];
    if (!s)
      throw new SnapshotNotFoundError(
        `no snapshot matches ${spec}${filter ? ' with the given filters' : ''}`,
        { spec },
      );
    return s;
  }
  if (spec === '') throw new UsageError('empty snapshot id');
  const found = list.filter((s) => s.id.startsWith(spec));
  if (found.length === 1) return found[0]!;
  if (found.length === 0)
    throw new SnapshotNotFoundError(`no snapshot with id or prefix ${JSON.stringify(spec)}`, {
      spec,
    });
  throw new AmbiguousSnapshotError(
    `snapshot prefix ${JSON.stringify(spec)} matches ${found.length} snapshots: give more characters`,
    { spec, matches: found.map((s) => s.id) },
  );
}
