/**
 * Writes one file's content into the target: into a temporary name in the same directory, at
 * offsets, several ranges at a time for a large file, then renamed over the final name after its
 * metadata is set, so a crash never leaves a truncated file that looks complete. The temporary
 * name is derived from the final name, so a restore that was killed resumes: chunks already in
 * the temporary file (or an older final file) that hash to their ids are kept, only the rest is
 * fetched. `--sparse`: all-zero 4 KiB blocks are not written, leaving holes.
 * restic `internal/restorer/filerestorer.go`, `fileswriter.go`, `sparsewrite.go`.
 */

import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { sha256 } from '../../crypto/sha256.js';
import { IntegrityError } from '../../errors.js';
import type { ContentChunk, Entry, Repository } from '../../model.js';
import type { Limit } from './limit.js';

export const SPARSE_BLOCK = 4096;
const ZERO = Buffer.alloc(SPARSE_BLOCK);

/** temp name beside the final one: `.salvage-<sha256(name)[0..16]>.part`, short whatever the name */
export function tempNameFor(finalPath: Buffer): Buffer {
  const slash = finalPath.lastIndexOf(0x2f);
  const dir = slash < 0 ? Buffer.alloc(0) : finalPath.subarray(0, slash + 1);
  const name = finalPath.subarray(slash + 1);
  const h = Buffer.from(sha256(name).subarray(0, 8)).toString('hex');
  return Buffer.concat([dir, Buffer.from(`.salvage-${h}.part`)]);
}

export function isTempName(name: Uint8Array): boolean {
  return /^\.salvage-[0-9a-f]{16}\.part$/.test(Buffer.from(name).toString('latin1'));
}

export interface ContentOptions {
  sparse: boolean;
  /** bytes per ranged read of a large file */
  rangeSize: number;
  /** shared across all files: ranges being fetched at once */
  ranges: Limit;
  signal?: AbortSignal;
  onBytes: (n: number) => void;
  /** keep per-range SHA-256 digests for --verify */
  keepHashes: boolean;
}

export interface RangeHash {
  offset: number;
  length: number;
  sha256: string;
}

export interface ContentResult {
  /** bytes fetched from the repository */
  fetched: number;
  /** bytes kept from what was already on disk */
  kept: number;
  hashes: RangeHash[];
}

type RepoPart = Pick<Repository, 'open' | 'chunks' | 'chunkMatches'>;

/** regular file at `path`, not a symlink; its size, or undefined */
async function regularSize(path: Buffer): Promise<number | undefined> {
  try {
    const st = await lstat(path);
    return st.isFile() ? st.size : undefined;
  } catch {
    return undefined;
  }
}

/** reads [offset, offset+length) of an open file; short when the file is shorter */
async function readAt(fh: FileHandle, offset: number, length: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await fh.read(buf, got, length - got, offset + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return buf.subarray(0, got);
}

/**
 * For each chunk, whether `fh` already holds it (hash against the chunk id). Needs
 * `repo.chunkMatches`; reads the local file only.
 */
export async function matchingChunks(
  repo: Pick<Repository, 'chunkMatches'>,
  chunks: readonly ContentChunk[],
  fh: FileHandle,
  size: number,
): Promise<boolean[]> {
  const out: boolean[] = [];
  for (const c of chunks) {
    if (!repo.chunkMatches || c.offset + c.length > size) {
      out.push(false);
      continue;
    }
    const data = await readAt(fh, c.offset, c.length);
    out.push(data.length === c.length && repo.chunkMatches(c, data));
  }
  return out;
}

/** writes `data` at `pos`, skipping all-zero aligned blocks when sparse */
export async function writeAt(
  fh: FileHandle,
  data: Uint8Array,
  pos: number,
  sparse: boolean,
): Promise<void> {
  if (!sparse) {
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await fh.write(data, done, data.length - done, pos + done);
      done += bytesWritten;
    }
    return;
  }
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let i = 0;
  while (i < buf.length) {
    // block boundaries are aligned to the file offset, so holes are whole filesystem blocks
    const blockEnd = Math.min(buf.length, i + SPARSE_BLOCK - ((pos + i) % SPARSE_BLOCK));
    const piece = buf.subarray(i, blockEnd);
    if (!piece.equals(ZERO.subarray(0, piece.length))) {
      let j = blockEnd;
      // extend over following non-zero blocks so writes stay large
      while (j < buf.length) {
        const e = Math.min(buf.length, j + SPARSE_BLOCK);
        const p = buf.subarray(j, e);
        if (p.equals(ZERO.subarray(0, p.length))) break;
        j = e;
      }
      await writeAt(fh, buf.subarray(i, j), pos + i, false);
      i = j;
    } else {
      i = blockEnd;
    }
  }
}

interface Span {
  offset: number;
  length: number;
}

/** groups the chunks still needed into ranges of about `rangeSize`, split at chunk boundaries */
export function spansToFetch(
  chunks: readonly ContentChunk[],
  have: readonly boolean[],
  size: number,
  rangeSize: number,
): Span[] {
  if (chunks.length === 0) return size > 0 ? [{ offset: 0, length: size }] : [];
  const spans: Span[] = [];
  let cur: Span | undefined;
  chunks.forEach((c, i) => {
    if (have[i]) {
      cur = undefined;
      return;
    }
    if (cur && cur.offset + cur.length === c.offset && cur.length + c.length <= rangeSize) {
      cur.length += c.length;
    } else {
      cur = { offset: c.offset, length: c.length };
      spans.push(cur);
    }
  });
  return spans;
}

/** fetches one span and writes it; the repository stream is verified by the reader */
async function fetchSpan(
  repo: RepoPart,
  entry: Entry,
  fh: FileHandle,
  span: Span,
  opts: ContentOptions,
): Promise<RangeHash | undefined> {
  const hash = opts.keepHashes ? createHash('sha256') : undefined;
  let pos = span.offset;
  const reader = repo
    .open(entry, { offset: span.offset, length: span.length }, { signal: opts.signal })
    .getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      hash?.update(value);
      await writeAt(fh, value, pos, opts.sparse);
      pos += value.length;
      opts.onBytes(value.length);
    }
  } finally {
    reader.releaseLock();
  }
  return hash
    ? { offset: span.offset, length: pos - span.offset, sha256: hash.digest('hex') }
    : undefined;
}

/**
 * Fills `tmpPath` with the content of `entry`, reusing verified chunks of an existing temp file
 * or of `reuseFrom` (an older final file). The caller sets metadata on the temp file and renames.
 */
export async function writeContent(
  repo: RepoPart,
  entry: Entry,
  tmpPath: Buffer,
  reuseFrom: Buffer | undefined,
  opts: ContentOptions,
): Promise<ContentResult> {
  const size = entry.size;
  const tmpSize = await regularSize(tmpPath);
  if (tmpSize === undefined) {
    // something that is not a regular file (a planted symlink, a dir) never gets opened
    await unlink(tmpPath).catch(() => undefined);
  }
  // chunk boundaries are needed to split a large file, or to check what is already on disk
  const mayReuse = (tmpSize !== undefined && tmpSize > 0) || reuseFrom !== undefined;
  const useChunks =
    size > opts.rangeSize || (repo.chunkMatches !== undefined && size > 0 && mayReuse);
  const chunks: ContentChunk[] = [];
  if (useChunks) for await (const c of repo.chunks(entry)) chunks.push(c);
  const flags =
    constants.O_RDWR |
    constants.O_CREAT |
    constants.O_NOFOLLOW |
    (tmpSize === undefined ? constants.O_EXCL : 0);
  const fh = await open(tmpPath, flags, 0o600);
  try {
    let have: boolean[] = chunks.map(() => false);
    let kept = 0;
    if (repo.chunkMatches && chunks.length > 0) {
      if (tmpSize !== undefined && tmpSize > 0) {
        have = await matchingChunks(repo, chunks, fh, tmpSize);
      }
      if (reuseFrom !== undefined && have.some((h) => !h)) {
        const oldSize = await regularSize(reuseFrom);
        if (oldSize !== undefined && oldSize > 0) {
          const old = await open(reuseFrom, constants.O_RDONLY | constants.O_NOFOLLOW);
          try {
            const oldHave = await matchingChunks(repo, chunks, old, oldSize);
            for (let i = 0; i < chunks.length; i++) {
              if (have[i] || !oldHave[i]) continue;
              const c = chunks[i]!;
              await writeAt(fh, await readAt(old, c.offset, c.length), c.offset, opts.sparse);
              have[i] = true;
            }
          } finally {
            await old.close();
          }
        }
      }
      chunks.forEach((c, i) => {
        if (have[i]) kept += c.length;
      });
    }
    if (tmpSize !== size) await fh.truncate(size);
    const spans = spansToFetch(
      chunks.length > 0 ? chunks : [],
      have,
      size,
      chunks.length > 0 ? opts.rangeSize : Number.MAX_SAFE_INTEGER,
    );
    let fetched = 0;
    const hashes: RangeHash[] = [];
    const errors: unknown[] = [];
    await Promise.all(
      spans.map((span) =>
        opts.ranges.run(async () => {
          if (errors.length > 0) return;
          try {
            const h = await fetchSpan(repo, entry, fh, span, opts);
            if (h) hashes.push(h);
            fetched += span.length;
          } catch (e) {
            errors.push(e);
          }
        }),
      ),
    );
    if (errors.length > 0) throw errors[0];
    return { fetched, kept, hashes };
  } finally {
    await fh.close();
  }
}

/** the whole stream, checked against the expected size */
export async function readAll(stream: ReadableStream<Uint8Array>, size: number): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  let n = 0;
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      n += value.length;
      if (n > size) throw new IntegrityError(`file content is longer than its size ${size}`);
      parts.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  if (n !== size) throw new IntegrityError(`file content has ${n} bytes, its size is ${size}`);
  return parts.length === 1
    ? Buffer.from(parts[0]!.buffer, parts[0]!.byteOffset, parts[0]!.byteLength)
    : Buffer.concat(parts);
}

/** the final step: the complete temp file replaces whatever was at the final name */
export async function commitTemp(tmpPath: Buffer, finalPath: Buffer): Promise<void> {
  await rename(tmpPath, finalPath);
}
