/**
 * restic's side of reading many files at once (batch-read.ts): data blobs sorted by pack and
 * offset, neighbours merged into one ranged read as file-stream.ts does (gaps ≤ 1 MiB, spans
 * ≤ 8 MiB; restic `internal/restorer/filerestorer.go` downloadPack reads a pack's needed span),
 * the all-zero chunk made without I/O, and a failed run retried blob by blob over every copy.
 */

import type { FileLayout, RunSource } from '../batch-read.js';
import type { BlobLocation } from './blob-index.js';
import { joinsRun, type BlobLoader } from './blob-loader.js';
import { layoutFile, ZERO_CHUNK_ID, ZERO_CHUNK_SIZE } from './file-stream.js';

/**
 * where a file's blobs go in the file, keyed by blob id; each blob's location is remembered in
 * `located` so the run source (given the same map) does not search the index for it again
 */
export function fileLayout(
  loader: BlobLoader,
  content: readonly string[],
  size: number,
  located?: Map<string, BlobLocation>,
): FileLayout {
  try {
    const chunks = layoutFile(loader, content).map((b) => {
      located?.set(b.loc.id, b.loc);
      return { key: b.loc.id, start: b.start, length: b.length };
    });
    return { size, chunks };
  } catch (e) {
    return { size, chunks: [], error: e instanceof Error ? e : new Error(String(e)) };
  }
}

function byPlace(a: BlobLocation, b: BlobLocation): number {
  if (a.packId !== b.packId) return a.packId < b.packId ? -1 : 1;
  return a.offset - b.offset;
}

export function blobRunSource(
  loader: BlobLoader,
  located = new Map<string, BlobLocation>(),
): RunSource {
  const locate = (id: string): BlobLocation => {
    let loc = located.get(id);
    if (!loc) {
      loc = loader.locate('data', id)[0]!;
      located.set(id, loc);
    }
    return loc;
  };
  return {
    plan(keys) {
      const runs: string[][] = [];
      const locs: BlobLocation[] = [];
      for (const k of keys) {
        if (k === ZERO_CHUNK_ID) runs.push([k]);
        else locs.push(locate(k));
      }
      locs.sort(byPlace);
      let cur: BlobLocation[] = [];
      for (const loc of locs) {
        if (cur.length > 0 && joinsRun(cur[cur.length - 1]!, loc, cur[0]!.offset)) {
          cur.push(loc);
          continue;
        }
        if (cur.length > 0) runs.push(cur.map((l) => l.id));
        cur = [loc];
      }
      if (cur.length > 0) runs.push(cur.map((l) => l.id));
      return runs;
    },
    async fetch(run, sinks) {
      if (run.length === 1 && run[0] === ZERO_CHUNK_ID) return [new Uint8Array(ZERO_CHUNK_SIZE)];
      return loader.loadRun(run.map(locate), sinks);
    },
    fetchOne(key) {
      if (key === ZERO_CHUNK_ID) return Promise.resolve(new Uint8Array(ZERO_CHUNK_SIZE));
      return loader.load('data', key);
    },
  };
}
