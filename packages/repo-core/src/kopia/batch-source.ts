/**
 * kopia's side of reading many files at once (batch-read.ts): each file's flattened part table
 * (object-reader.ts), contents sorted by pack and offset and merged into one ranged read per run
 * of neighbours (content-reader.ts plan), then decoded and checked part by part. Object-level
 * compressed (`Z`) parts are distinct keys from the plain content, since their bytes differ.
 * spec §12, §13; kopia repo/object/object_reader.go
 */

import type { FileLayout, RunSource } from '../batch-read.js';
import type { ContentReader } from './content-reader.js';
import type { ContentInfo } from './content-index.js';
import type { ContentId, ObjectId } from './ids.js';
import type { ObjectPart, ObjectReader } from './object-reader.js';

const Z_SUFFIX = '/Z';

function partOf(key: string): ObjectPart {
  const compressed = key.endsWith(Z_SUFFIX);
  const content = (compressed ? key.slice(0, -Z_SUFFIX.length) : key) as ContentId;
  return { start: 0, length: -1, content, compressed };
}

export async function objectLayout(
  objects: ObjectReader,
  oid: ObjectId | undefined,
  size: number,
): Promise<FileLayout> {
  if (!oid) return { size, chunks: [] };
  try {
    const parts = await objects.parts(oid);
    return {
      size,
      chunks: parts.map((p) => ({
        key: p.compressed ? `${p.content}${Z_SUFFIX}` : p.content,
        start: p.start,
        length: p.length,
      })),
    };
  } catch (e) {
    return { size, chunks: [], error: e instanceof Error ? e : new Error(String(e)) };
  }
}

function byPlace(a: ContentInfo, b: ContentInfo): number {
  if (a.packBlobId !== b.packBlobId) return a.packBlobId < b.packBlobId ? -1 : 1;
  return a.packOffset - b.packOffset;
}

export function contentRunSource(contents: ContentReader, objects: ObjectReader): RunSource {
  return {
    plan(keys) {
      const placed: { key: string; info: ContentInfo }[] = [];
      const runs: string[][] = [];
      for (const key of keys) {
        const info = contents.index.get(partOf(key).content);
        // not in the index: a run of its own, whose fetch fails and names the content
        if (info) placed.push({ key, info });
        else runs.push([key]);
      }
      placed.sort((a, b) => byPlace(a.info, b.info));
      // plan keeps order and count, so its runs map back onto the sorted keys one by one
      let k = 0;
      for (const run of contents.plan(placed.map((p) => p.info.contentId))) {
        runs.push(placed.slice(k, k + run.length).map((p) => p.key));
        k += run.length;
      }
      return runs;
    },
    async fetch(run, sinks) {
      // an object-compressed part's content is not its bytes yet: never sunk
      const direct = sinks?.map((s, i) => (partOf(run[i]!).compressed ? undefined : s));
      const raws = await contents.fetchGroup(
        run.map((k) => contents.info(partOf(k).content)),
        direct?.some((s) => s !== undefined) ? direct : undefined,
      );
      return Promise.all(raws.map((raw, i) => objects.finishPart(partOf(run[i]!), raw)));
    },
    fetchOne(key) {
      return objects.readPart(partOf(key));
    },
  };
}
