/**
 * Snapshot manifests (`type=snapshot`) → model Snapshots: source user@host:path, start/end
 * time, description, tags, pins, root entry and stats. Oldest first.
 * spec §15; kopia snapshot/manifest.go, snapshot/manager.go, snapshot/source.go
 */

import { IntegrityError } from '../errors.js';
import type { Snapshot, SnapshotSummary } from '../model.js';
import { toEntry } from './directory.js';
import { asObject, field, type JsonObject } from './json.js';
import type { ManifestEntry } from './manifest.js';
import { nsToDate, parseTimeNs } from '../util/rfc3339.js';

/** what a kopia Snapshot's `ref` holds */
export interface KopiaSnapshotRef {
  readonly kind: 'kopia';
  readonly manifestId: string;
  /** the stored `rootEntry` */
  readonly rootEntry: JsonObject;
}

const SHORT_ID = 8;

function optNumber(o: JsonObject | undefined, k: string): number | undefined {
  const v = o ? field(o, k) : undefined;
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function strOf(o: JsonObject, k: string): string {
  const v = field(o, k);
  return typeof v === 'string' ? v : '';
}

/** kopia's tag map → `key:value` strings (the CLI's `tag:` key prefix dropped) */
export function tagStrings(tags: unknown): string[] {
  if (!tags || typeof tags !== 'object') return [];
  return Object.entries(tags as Record<string, unknown>)
    .map(([k, v]) => `${k.startsWith('tag:') ? k.slice(4) : k}:${String(v)}`)
    .sort();
}

export function toSnapshot(m: ManifestEntry): Snapshot {
  const what = `snapshot manifest ${m.id}`;
  const d = asObject(m.data, what);
  const source = asObject(field(d, 'source') ?? {}, `${what} source`);
  const start = parseTimeNs(strOf(d, 'startTime'));
  if (start === undefined)
    throw new IntegrityError(`${what}: invalid startTime`, { manifestId: m.id });
  const end = parseTimeNs(strOf(d, 'endTime'));
  const root = field(d, 'rootEntry');
  if (!root || typeof root !== 'object') {
    throw new IntegrityError(`${what} has no root entry`, { manifestId: m.id });
  }
  const rootEntry = root as JsonObject;
  toEntry(rootEntry, what); // validate now, not when browsing
  const stats = field(d, 'stats');
  const st = stats && typeof stats === 'object' ? (stats as JsonObject) : undefined;
  const summary: SnapshotSummary = {
    ...(optNumber(st, 'fileCount') !== undefined ? { files: optNumber(st, 'fileCount') } : {}),
    ...(optNumber(st, 'dirCount') !== undefined ? { dirs: optNumber(st, 'dirCount') } : {}),
    ...(optNumber(st, 'totalSize') !== undefined ? { bytes: optNumber(st, 'totalSize') } : {}),
    ...(optNumber(st, 'errorCount') !== undefined ? { errors: optNumber(st, 'errorCount') } : {}),
  };
  const description = strOf(d, 'description');
  const pins = field(d, 'pins');
  const incomplete = strOf(d, 'incomplete');
  const tags = field(d, 'tags');
  const ref: KopiaSnapshotRef = { kind: 'kopia', manifestId: m.id, rootEntry };
  return {
    id: m.id,
    shortId: m.id.slice(0, SHORT_ID),
    time: nsToDate(start),
    timeNs: start,
    ...(end !== undefined ? { endTime: nsToDate(end) } : {}),
    hostname: strOf(source, 'host'),
    username: strOf(source, 'userName'),
    paths: [strOf(source, 'path')],
    tags: tagStrings(tags),
    ...(description ? { description } : {}),
    summary,
    extra: {
      rootObjectId: field(rootEntry, 'obj'),
      pins: Array.isArray(pins) ? pins.filter((p) => typeof p === 'string') : [],
      ...(incomplete ? { incomplete } : {}),
      tagMap: tags && typeof tags === 'object' ? tags : {},
      labels: m.labels,
      stats: st ?? {},
      ...(field(d, 'storageStats') ? { storageStats: field(d, 'storageStats') } : {}),
      startTime: strOf(d, 'startTime'),
      endTime: strOf(d, 'endTime'),
    },
    ref,
  };
}

/** oldest first: startTime, then endTime, then id (§15) */
export function sortSnapshots(list: Snapshot[]): Snapshot[] {
  return list.sort((a, b) => {
    if (a.timeNs !== b.timeNs) return a.timeNs < b.timeNs ? -1 : 1;
    const ae = a.endTime?.getTime() ?? 0;
    const be = b.endTime?.getTime() ?? 0;
    if (ae !== be) return ae - be;
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
}
