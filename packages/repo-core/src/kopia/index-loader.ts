/**
 * Loading the live index set: list the index blobs (epoch manager or legacy `n`/`m`), fetch
 * and decrypt each, parse, and merge into one ContentIndex. Re-lists when a listed index blob
 * vanishes (a concurrent maintenance run), as kopia does.
 * spec §11; kopia repo/content/committed_read_manager.go (loadPackIndexesLocked),
 * repo/content/indexblob/index_blob_manager_v0.go, index_blob_manager_v1.go
 */

import type { KopiaDecryptor } from '../crypto/kopia-encryption.js';
import { MissingObjectError } from '../errors.js';
import { decryptBlob, type EccStrip } from './blob-crypto.js';
import type { KopiaBlobStore } from './blob-store.js';
import { ContentIndex } from './content-index.js';
import { selectEpochIndexSet } from './epoch.js';
import { parseIndexBlob, type IndexBlob } from './index-blob.js';
import { parseJson } from './json.js';
import { parseCompactionLog, selectLegacyIndexSet, type CompactionLog } from './legacy-index.js';
import type { BlobId } from './ids.js';

export interface IndexLoadOptions {
  readonly blobs: KopiaBlobStore;
  readonly decryptor: KopiaDecryptor;
  readonly strip: EccStrip;
  readonly epochs: boolean;
  readonly concurrency?: number;
  /** injectable for tests */
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface LoadedIndex {
  readonly index: ContentIndex;
  readonly indexBlobs: readonly BlobId[];
  readonly watermark: number;
}

const ATTEMPTS = 10;

async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  f: (t: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** the live index blob ids and the deletion watermark (Unix seconds) */
export async function listLiveIndexBlobs(
  o: IndexLoadOptions,
): Promise<{ ids: BlobId[]; watermark: number }> {
  if (o.epochs) {
    const ids: string[] = [];
    for await (const b of o.blobs.list('x')) ids.push(b.id);
    const set = selectEpochIndexSet(ids);
    return { ids: set.blobs as BlobId[], watermark: set.watermark };
  }
  const nBlobs: string[] = [];
  for await (const b of o.blobs.list('n')) nBlobs.push(b.id);
  const logs: CompactionLog[] = [];
  for await (const b of o.blobs.list('m')) {
    let bytes: Uint8Array;
    try {
      bytes = await o.blobs.read(b.id);
    } catch (e) {
      if (e instanceof MissingObjectError) continue;
      throw e;
    }
    const plain = decryptBlob(b.id, bytes, o.decryptor, o.strip);
    logs.push(parseCompactionLog(parseJson(plain, `compaction log ${b.id}`), b.id));
  }
  return { ids: selectLegacyIndexSet(nBlobs, logs) as BlobId[], watermark: -Infinity };
}

/** decrypt and parse one index blob */
export async function readIndexBlob(o: IndexLoadOptions, id: BlobId): Promise<IndexBlob> {
  const stored = await o.blobs.read(id);
  const plain = decryptBlob(id, stored, o.decryptor, o.strip);
  return parseIndexBlob(plain, id, o.decryptor.overhead);
}

export async function loadContentIndex(o: IndexLoadOptions): Promise<LoadedIndex> {
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let delay = 100;
  for (let attempt = 1; ; attempt++) {
    const { ids, watermark } = await listLiveIndexBlobs(o);
    try {
      const parsed = await mapLimit(ids, o.concurrency ?? 8, (id) => readIndexBlob(o, id));
      return { index: ContentIndex.merge(parsed, watermark), indexBlobs: ids, watermark };
    } catch (e) {
      if (!(e instanceof MissingObjectError) || attempt >= ATTEMPTS) throw e;
      await sleep(delay);
      delay *= 2;
    }
  }
}
