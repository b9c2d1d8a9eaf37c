/**
 * Manifests: every live content with prefix `m` is a (gzip'd) JSON batch of labelled entries;
 * entries merge by id (latest `modified` wins, first seen on a tie) and tombstones drop out.
 * spec §14; kopia repo/manifest/committed_manifest_manager.go (loadCommittedContentsLocked,
 * mergeEntryLocked), serialized.go
 */

import { IntegrityError } from '../errors.js';
import { gunzipBounded } from './compression.js';
import type { ContentReader } from './content-reader.js';
import type { ContentId } from './ids.js';
import { asObject, field, parseJson } from './json.js';
import { trimToFirstValue } from './object-reader.js';
import { parseTimeNs } from '../util/rfc3339.js';

export interface ManifestEntry {
  readonly id: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly modifiedNs: bigint;
  readonly modified: string;
  readonly deleted: boolean;
  readonly data: unknown;
  /** the `m` content it came from */
  readonly contentId: ContentId;
}

/** bound on one manifest batch after gunzip */
const MAX_MANIFEST_BYTES = 512 * 1024 * 1024;

export function parseManifestBatch(bytes: Uint8Array, contentId: ContentId): ManifestEntry[] {
  const what = `manifest content ${contentId}`;
  const doc = asObject(parseJson(trimToFirstValue(bytes), what), what);
  const entries = field(doc, 'entries');
  if (!Array.isArray(entries)) throw new IntegrityError(`${what}: no entries`, { contentId });
  return entries.map((raw: unknown) => {
    const e = asObject(raw, what);
    const id = field(e, 'id');
    const modified = field(e, 'modified');
    if (typeof id !== 'string' || typeof modified !== 'string') {
      throw new IntegrityError(`${what}: entry without id or modified time`, { contentId });
    }
    const modifiedNs = parseTimeNs(modified);
    if (modifiedNs === undefined) {
      throw new IntegrityError(`${what}: bad modified time ${JSON.stringify(modified)}`, {
        contentId,
      });
    }
    const labelsRaw = field(e, 'labels');
    const labels: Record<string, string> = {};
    if (labelsRaw && typeof labelsRaw === 'object') {
      for (const [k, v] of Object.entries(labelsRaw)) if (typeof v === 'string') labels[k] = v;
    }
    return {
      id,
      labels,
      modified,
      modifiedNs,
      deleted: field(e, 'deleted') === true,
      data: field(e, 'data'),
      contentId,
    };
  });
}

export interface ManifestSet {
  /** live entries by manifest id */
  readonly entries: ReadonlyMap<string, ManifestEntry>;
  /** manifest contents that could not be read (kopia fails; a browser reports and skips) */
  readonly failures: readonly { contentId: ContentId; error: unknown }[];
}

/** load, merge and filter every manifest of the repository */
export async function loadManifests(
  contents: ContentReader,
  opts: { skipBroken: boolean },
): Promise<ManifestSet> {
  const merged = new Map<string, ManifestEntry>();
  const failures: { contentId: ContentId; error: unknown }[] = [];
  for (const info of contents.index.withPrefix('m')) {
    let batch: ManifestEntry[];
    try {
      const raw = await contents.get(info.contentId);
      const json = await gunzipBounded(raw, MAX_MANIFEST_BYTES).catch((e: unknown) => {
        throw new IntegrityError(
          `manifest content ${info.contentId} is not gzip data`,
          { contentId: info.contentId },
          { cause: e },
        );
      });
      batch = parseManifestBatch(json, info.contentId);
    } catch (e) {
      if (!opts.skipBroken) throw e;
      failures.push({ contentId: info.contentId, error: e });
      continue;
    }
    for (const e of batch) {
      const prev = merged.get(e.id);
      if (!prev || e.modifiedNs > prev.modifiedNs) merged.set(e.id, e);
    }
  }
  for (const [k, e] of merged) if (e.deleted) merged.delete(k);
  return { entries: merged, failures };
}

/** entries whose labels contain every given pair */
export function findManifests(
  set: ManifestSet,
  labels: Readonly<Record<string, string>>,
): ManifestEntry[] {
  const out: ManifestEntry[] = [];
  for (const e of set.entries.values()) {
    if (Object.entries(labels).every(([k, v]) => e.labels[k] === v)) out.push(e);
  }
  return out;
}
