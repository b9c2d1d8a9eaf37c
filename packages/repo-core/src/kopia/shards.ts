/**
 * Sharded blob naming of filesystem-like kopia stores: `.shards` parameters and the blob id →
 * path rule. spec §2.3; kopia repo/blob/sharded/sharded_parameters.go
 */

import { IntegrityError } from '../errors.js';

export interface ShardParameters {
  /** directory-name lengths, outermost first */
  readonly defaultShards: readonly number[];
  /** blob ids of at most this length are never sharded */
  readonly maxNonShardedLength: number;
  readonly overrides: readonly { prefix: string; shards: readonly number[] }[];
}

/** what kopia assumes when `.shards` is absent (v0.8-era stores) */
export const LEGACY_SHARDS: ShardParameters = {
  defaultShards: [3, 3],
  maxNonShardedLength: 20,
  overrides: [],
};

const MAX_LEVELS = 16;

function shardList(v: unknown, what: string): number[] {
  if (!Array.isArray(v) || v.length > MAX_LEVELS) {
    throw new IntegrityError(`.shards: ${what} is not a short list of integers`);
  }
  return v.map((n: unknown) => {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 256) {
      throw new IntegrityError(`.shards: ${what} holds an invalid shard size`);
    }
    return n;
  });
}

/** parse the `.shards` JSON document */
export function parseShardParameters(bytes: Uint8Array): ShardParameters {
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new IntegrityError('.shards is not valid JSON', {}, { cause: e });
  }
  if (typeof doc !== 'object' || doc === null) throw new IntegrityError('.shards is not an object');
  const o = doc as Record<string, unknown>;
  const max = o['maxNonShardedLength'] ?? 0;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 0) {
    throw new IntegrityError('.shards: invalid maxNonShardedLength');
  }
  const overrides = o['overrides'] ?? [];
  if (!Array.isArray(overrides) || overrides.length > 1024) {
    throw new IntegrityError('.shards: invalid overrides');
  }
  return {
    defaultShards: o['default'] == null ? [] : shardList(o['default'], 'default'),
    maxNonShardedLength: max,
    overrides: overrides.map((ov: unknown) => {
      const r = (ov ?? {}) as Record<string, unknown>;
      if (typeof r['prefix'] !== 'string') throw new IntegrityError('.shards: override prefix');
      return { prefix: r['prefix'], shards: shardList(r['shards'] ?? [], 'override shards') };
    }),
  };
}

/** the relative path of a blob, without the `.f` suffix; spec §2.3 steps 1-3 */
export function shardedPath(params: ShardParameters, blobId: string): string {
  if (blobId.length <= params.maxNonShardedLength) return blobId;
  const shards =
    params.overrides.find((o) => blobId.startsWith(o.prefix))?.shards ?? params.defaultShards;
  let rest = blobId;
  let dirs = '';
  for (const size of shards) {
    if (rest.length <= size) break;
    dirs += rest.slice(0, size) + '/';
    rest = rest.slice(size);
  }
  return dirs + rest;
}
