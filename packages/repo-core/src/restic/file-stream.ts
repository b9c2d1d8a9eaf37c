/**
 * A file's content as a web ReadableStream (spec §14): the blob list is mapped to cumulative
 * plaintext offsets, only blobs covering the asked range are fetched, neighbours in one pack are
 * read together, up to `concurrency` reads run ahead, and memory stays bounded by that window.
 * The zero chunk (SHA-256 of 512 KiB of zeros) is produced without any I/O.
 */

import type { ByteRange, OpenOptions } from '../model.js';
import { plainLength, type BlobLocation } from './blob-index.js';
import { joinsRun, type BlobLoader } from './blob-loader.js';

export const ZERO_CHUNK_ID = '07854d2fef297a06ba81685e660c332de36d5d18d546927d30daad6d7fda1541';
export const ZERO_CHUNK_SIZE = 524288;

export interface FileBlob {
  readonly loc: BlobLocation;
  /** offset of this blob inside the file */
  readonly start: number;
  readonly length: number;
}

/** Resolve a content list to located blobs with their file offsets. */
export function layoutFile(loader: BlobLoader, content: readonly string[]): FileBlob[] {
  const out: FileBlob[] = [];
  let pos = 0;
  for (const id of content) {
    const loc = loader.locate('data', id)[0]!;
    const length = plainLength(loc);
    out.push({ loc, start: pos, length });
    pos += length;
  }
  return out;
}

interface Group {
  blobs: FileBlob[];
  zero: boolean;
}

function groupBlobs(blobs: readonly FileBlob[]): Group[] {
  const groups: Group[] = [];
  let cur: Group | undefined;
  for (const b of blobs) {
    const zero = b.loc.id === ZERO_CHUNK_ID;
    if (
      cur &&
      !zero &&
      !cur.zero &&
      joinsRun(cur.blobs[cur.blobs.length - 1]!.loc, b.loc, cur.blobs[0]!.loc.offset)
    ) {
      cur.blobs.push(b);
      continue;
    }
    cur = { blobs: [b], zero };
    groups.push(cur);
  }
  return groups;
}

export function openFileStream(
  loader: BlobLoader,
  content: readonly string[],
  range: ByteRange | undefined,
  options: OpenOptions = {},
): ReadableStream<Uint8Array> {
  const concurrency = Math.max(1, options.concurrency ?? 4);
  let groups: Group[] = [];
  let from = 0;
  let to = 0;
  let next = 0;
  const inflight: Promise<Uint8Array[]>[] = [];
  const fetchGroup = (g: Group): Promise<Uint8Array[]> =>
    g.zero
      ? Promise.resolve(g.blobs.map(() => new Uint8Array(ZERO_CHUNK_SIZE)))
      : loader.loadRun(g.blobs.map((b) => b.loc)).catch(async (e: unknown) => {
          // a damaged or missing copy: try every known copy of each blob before failing
          if (!g.blobs.some((b) => loader.locate('data', b.loc.id).length > 1)) throw e;
          const out: Uint8Array[] = [];
          for (const b of g.blobs) out.push(await loader.load('data', b.loc.id));
          return out;
        });
  const fill = () => {
    while (inflight.length < concurrency && next < groups.length) {
      const p = fetchGroup(groups[next++]!);
      p.catch(() => undefined); // surfaced when awaited in order
      inflight.push(p);
    }
  };
  let groupPos = 0;
  return new ReadableStream<Uint8Array>(
    {
      start() {
        const blobs = layoutFile(loader, content);
        const total = blobs.length
          ? blobs[blobs.length - 1]!.start + blobs[blobs.length - 1]!.length
          : 0;
        from = Math.min(range?.offset ?? 0, total);
        to = range?.length === undefined ? total : Math.min(total, from + range.length);
        const needed = blobs.filter(
          (b) => b.start + b.length > from && b.start < to && b.length > 0,
        );
        groups = groupBlobs(needed);
        fill();
      },
      async pull(controller) {
        if (options.signal?.aborted) {
          controller.error(options.signal.reason);
          return;
        }
        const p = inflight.shift();
        if (!p) {
          controller.close();
          return;
        }
        const g = groups[groupPos++]!;
        const datas = await p;
        fill();
        g.blobs.forEach((b, i) => {
          const d = datas[i]!;
          const s = Math.max(0, from - b.start);
          const e = Math.min(b.length, to - b.start);
          if (e > s) controller.enqueue(s === 0 && e === d.length ? d : d.subarray(s, e));
        });
      },
      cancel() {
        inflight.length = 0;
        next = groups.length;
      },
    },
    { highWaterMark: 0 },
  );
}
