/**
 * Which index blobs are live in a repository without the epoch manager (format v1): every `n`
 * blob, minus the inputs of each compaction log (`m` blob) whose outputs all exist.
 * spec §11.2; kopia repo/content/indexblob/index_blob_manager_v0.go (ListActiveIndexBlobs,
 * removeCompactedIndexes)
 */

import { asObject, field, type JsonObject } from './json.js';

export interface CompactionLog {
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
}

function ids(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  const out: string[] = [];
  for (const m of v) {
    if (m && typeof m === 'object') {
      const id = field(m as JsonObject, 'id');
      if (typeof id === 'string') out.push(id);
    }
  }
  return out;
}

/** `{"inputMetadata": [{id,…}], "outputMetadata": [{id,…}]}` */
export function parseCompactionLog(doc: unknown, name: string): CompactionLog {
  const o = asObject(doc, `compaction log ${name}`);
  return { inputs: ids(field(o, 'inputMetadata')), outputs: ids(field(o, 'outputMetadata')) };
}

export function selectLegacyIndexSet(
  indexBlobs: readonly string[],
  logs: readonly CompactionLog[],
): string[] {
  const live = new Set(indexBlobs);
  const present = new Set(indexBlobs);
  const valid = logs.filter((l) => l.outputs.every((o) => present.has(o)));
  for (const l of valid) for (const i of l.inputs) live.delete(i);
  return [...live];
}
