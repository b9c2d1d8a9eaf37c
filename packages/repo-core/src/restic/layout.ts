/**
 * Object names in the default layout (spec §2.1; restic internal/backend/layout/layout_default.go).
 * Only 64-hex names count; anything else (temp files, foreign files) is ignored.
 */

import type { Storage } from '../storage/storage.js';
import { isHex64 } from './ids.js';

export type FileKind = 'keys' | 'snapshots' | 'index' | 'locks';

export const CONFIG = 'config';

export function fileName(kind: FileKind, id: string): string {
  return `${kind}/${id}`;
}

export function packName(id: string): string {
  return `data/${id.slice(0, 2)}/${id}`;
}

/** Ids of the files of one kind, with their sizes. Non-hex names are skipped. */
export async function listIds(
  storage: Storage,
  kind: FileKind,
): Promise<{ id: string; size: number }[]> {
  const out: { id: string; size: number }[] = [];
  for await (const o of storage.list(`${kind}/`)) {
    const rest = o.name.slice(kind.length + 1);
    if (!rest.includes('/') && isHex64(rest)) out.push({ id: rest.toLowerCase(), size: o.size });
  }
  return out;
}

/** Every pack file under data/ (any shard directory), id → size. */
export async function listPacks(storage: Storage): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for await (const o of storage.list('data/')) {
    const parts = o.name.split('/');
    const last = parts[parts.length - 1]!;
    if (parts.length === 3 && isHex64(last)) out.set(last.toLowerCase(), o.size);
  }
  return out;
}
