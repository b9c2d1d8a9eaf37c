/**
 * restore: a snapshot (sub)tree into a target directory, for either format, through the model.
 * One walk (walk/walk.ts) feeds a disk sink: directories are made as met, files are written by a
 * bounded pool (several files at once, several ranges of a large file at once; file-content.ts),
 * special files and symlinks are made directly; hard links, --delete and directory metadata come
 * after the content, as in restic's second pass. Every refused or failed entry is reported and
 * the call ends with PartialFailureError when there were any.
 * restic `internal/restorer/restorer.go` (RestoreTo, withOverwriteCheck, shouldOverwrite,
 * removeUnexpectedFiles, VerifyFiles).
 */

import { createHash } from 'node:crypto';
import { constants, readdirSync } from 'node:fs';
import { link, mkdir, open, readdir, rename, symlink, unlink } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { PartialFailureError, SalvageError, UsageError } from '../../errors.js';
import type { Entry, Repository } from '../../model.js';
import { DEFAULT_INLINE_FIRST_BYTES } from '../../util/run-pool.js';
import { buildSelect, type FilterOptions, type SelectFn } from '../filter/select.js';
import { ProgressCounter, type FileAction, type ProgressListener } from '../progress/events.js';
import { walk, type WalkItem } from '../walk/walk.js';
import {
  commitTemp,
  isTempName,
  matchingChunks,
  readAll,
  tempNameFor,
  writeContent,
  type RangeHash,
} from './file-content.js';
import { Limit } from './limit.js';
import { PieceWriter, type PieceFile } from './piece-writer.js';
import {
  applyOwnerModeXattrs,
  applyTimes,
  defaultOwnerMode,
  ownerIds,
  userXattrsOnly,
  type MetadataOptions,
  type OwnerMode,
} from './metadata.js';
import { makeDevice, makeFifo } from './native.js';
import { DirCache, ensureDir, lstatOrUndefined, removeAny } from './target-fs.js';
import { verifyFile } from './verify.js';
import { WritePool, type WriteJob, type WriteResult } from './write-pool.js';

export type OverwriteMode = 'always' | 'if-changed' | 'if-newer' | 'never';

export interface RestoreOptions {
  /** directory to restore into; created when missing */
  target: string;
  /** include/exclude patterns (restic semantics), or a ready select function */
  filter?: FilterOptions;
  select?: SelectFn;
  /** default 'always' (content already matching is still kept, like restic) */
  overwrite?: OverwriteMode;
  /** remove entries in the target that the snapshot does not have */
  delete?: boolean;
  /** decide and report every action, write nothing */
  dryRun?: boolean;
  /** re-read restored files and check them against the repository's chunk ids */
  verify?: boolean;
  /** leave all-zero blocks as holes */
  sparse?: boolean;
  /** default: by id when running as root, otherwise not at all */
  owner?: OwnerMode;
  /** xattr names to restore; default `user.*` (restic's Linux default) */
  xattr?: (name: string) => boolean;
  /** files restored at once (default 32) */
  concurrency?: number;
  /** ranged reads in flight across all files (default 8) */
  rangeConcurrency?: number;
  /** bytes per ranged read of a large file (default 16 MiB) */
  rangeSize?: number;
  /**
   * Without the native helper only: JS worker threads writing small files (write-pool.ts); 0
   * writes them on the main thread. With the helper, its batch writer is used whatever this says.
   * Default: see writeThreads().
   */
  writeThreads?: number;
  /** false: never the native batch writer, even when the helper has it (tests of the others) */
  nativeWrites?: boolean;
  onProgress?: ProgressListener;
  /** walk the tree first to know totals for the ETA (default: when onProgress is set) */
  countFirst?: boolean;
  signal?: AbortSignal;
}

export interface EntryProblem {
  location: string;
  code: string;
  message: string;
}

export interface RestoreSummary {
  target: string;
  dryRun: boolean;
  filesRestored: number;
  filesUpdated: number;
  filesUnchanged: number;
  filesSkipped: number;
  hardlinks: number;
  specials: number;
  dirs: number;
  deleted: number;
  bytesFetched: number;
  bytesKept: number;
  verified?: number;
  refused: EntryProblem[];
  errors: EntryProblem[];
  warnings: EntryProblem[];
}

type RepoPart = Pick<
  Repository,
  'list' | 'open' | 'chunks' | 'chunkMatches' | 'readFiles' | 'prepareReads'
>;

/**
 * Files in directories this run created are read in batches (batch-read.ts): their chunks in
 * storage order, neighbours in one request. Files up to this size come whole and go to the
 * batch writer in groups; larger ones come in pieces, each written at its offset as it arrives
 * (piece-writer.ts), so a large file never sits in memory and its chunks are read in the same
 * pack-ordered runs (restic's restorer reads each pack once the same way). Before pieces, larger
 * files were read range by range per file: the mixed set from MinIO took 215 requests (restic
 * 36) and MinIO twice restic's CPU.
 */
const BATCH_FILE_MAX = 1024 * 1024;
/**
 * a batch closes at this many bytes or files (a pieced file counts up to BATCH_BYTES);
 * BATCHES_IN_FLIGHT bound the memory held by whole files. Measured on the mixed set (tmpfs):
 * 16 MiB × 3 batches with files up to 4 MiB peaked at 295 MB RSS, 16 MiB × 2 up to 1 MiB at
 * 198 MB, same speed.
 */
const BATCH_BYTES = 16 * 1024 * 1024;
const BATCH_FILES = 1024;
const BATCHES_IN_FLIGHT = 2;
/** bytes of pieces being written at once, per batch */
const PIECE_WRITE_BYTES = 32 * 1024 * 1024;
/** complete files go to the writer (native batch call or JS worker) in groups of this many bytes or files */
const WRITE_GROUP_BYTES = 2 * 1024 * 1024;
const WRITE_GROUP_FILES = 128;

/**
 * JS write worker threads, used only when the native helper (and its batch writer) is absent:
 * none on 1–2 cores, where a worker only competed with the main thread (reading, decrypting)
 * for the same cores: 20,000 small files restored 0–15 % slower into tmpfs and +70 MB peak RSS
 * (bench/RESULTS.md, restore); one where there are more cores.
 */
function writeThreads(): number {
  return availableParallelism() <= 2 ? 0 : 1;
}

interface Deferred {
  item: WalkItem;
  first: Buffer;
}

interface PendingDir {
  item: WalkItem;
  names?: readonly Buffer[];
}

async function* oneEntry(e: Entry): AsyncIterable<Entry> {
  yield e;
}

function problem(location: string, e: unknown): EntryProblem {
  if (e instanceof SalvageError) return { location, code: e.code, message: e.message };
  const err = e as NodeJS.ErrnoException;
  return { location, code: err.code ?? 'ERROR', message: err.message ?? String(e) };
}

export async function restore(
  repo: RepoPart,
  root: Entry,
  options: RestoreOptions,
): Promise<RestoreSummary> {
  if (options.dryRun && options.verify) {
    throw new UsageError('--dry-run and --verify are mutually exclusive');
  }
  if (root.type !== 'dir' && root.type !== 'file') {
    throw new UsageError(`cannot restore a ${root.type} as the root of a restore`);
  }
  const select = options.select ?? buildSelect(options.filter ?? {});
  const overwrite = options.overwrite ?? 'always';
  const dry = options.dryRun === true;
  const targetStr = resolve(options.target);
  const target = Buffer.from(targetStr);
  const abs = (rel: Buffer): Buffer =>
    rel.length === 0 ? target : Buffer.concat([target, Buffer.from('/'), rel]);
  const counter = new ProgressCounter(options.onProgress);
  const summary: RestoreSummary = {
    target: targetStr,
    dryRun: dry,
    filesRestored: 0,
    filesUpdated: 0,
    filesUnchanged: 0,
    filesSkipped: 0,
    hardlinks: 0,
    specials: 0,
    dirs: 0,
    deleted: 0,
    bytesFetched: 0,
    bytesKept: 0,
    refused: [],
    errors: [],
    warnings: [],
  };
  const fail = (location: string, e: unknown): void => {
    if (options.signal?.aborted) return;
    const p = problem(location, e);
    summary.errors.push(p);
    counter.error(location, p.code, p.message);
  };
  const ownerMode = options.owner ?? defaultOwnerMode();
  const xattrWanted = options.xattr ?? userXattrsOnly;
  const meta = (location: string): MetadataOptions => ({
    owner: ownerMode,
    xattr: xattrWanted,
    warn: (message) => {
      summary.warnings.push({ location, code: 'WARNING', message });
      counter.warn(location, message);
    },
  });
  const done = (
    action: FileAction,
    item: WalkItem,
    size: number,
    entryType: string = item.entry.type,
  ): void => {
    if (action === 'restored') summary.filesRestored++;
    else if (action === 'updated') summary.filesUpdated++;
    else if (action === 'unchanged') summary.filesUnchanged++;
    else if (action === 'skipped') summary.filesSkipped++;
    if (action !== 'restored' && action !== 'updated' && item.entry.type === 'file') {
      counter.addBytes(item.entry.size);
    }
    counter.fileDone(action, item.location, entryType, size);
  };

  // A single file as the root: restore it into the target under its own name.
  if (root.type === 'file') {
    const holder: Entry = { ...root, type: 'dir', size: 0, uid: undefined, gid: undefined };
    const one: RepoPart = {
      ...repo,
      chunks: (f) => repo.chunks(f),
      open: (f, range, o) => repo.open(f, range, o),
      chunkMatches: repo.chunkMatches?.bind(repo),
      readFiles: repo.readFiles?.bind(repo),
      prepareReads: repo.prepareReads?.bind(repo),
      list: (d) => (d === holder ? oneEntry(root) : repo.list(d)),
    };
    return restoreTree(one, holder);
  }
  return restoreTree(repo, root);

  async function restoreTree(r: RepoPart, top: Entry): Promise<RestoreSummary> {
    // decode workers boot while the trees are walked, not when the first chunk arrives, once the
    // files met add up to what the decode pools would decode inline before starting them
    let metBytes = 0;
    const met = (size: number): void => {
      if (dry || metBytes >= DEFAULT_INLINE_FIRST_BYTES) return;
      metBytes += size;
      if (metBytes >= DEFAULT_INLINE_FIRST_BYTES) r.prepareReads?.();
    };
    if (options.countFirst ?? options.onProgress !== undefined) {
      const seenLinks = new Set<string>();
      await walk(
        r,
        top,
        {
          visit(item) {
            counter.filesTotal++;
            if (item.entry.type !== 'file') return;
            if (item.entry.hardlinkKey && (item.entry.links ?? 0) > 1) {
              if (seenLinks.has(item.entry.hardlinkKey)) return;
              seenLinks.add(item.entry.hardlinkKey);
            }
            counter.bytesTotal += item.entry.size;
          },
        },
        { select, signal: options.signal },
      );
      counter.emit({
        type: 'start',
        filesTotal: counter.filesTotal,
        bytesTotal: counter.bytesTotal,
      });
    }
    let rootFresh = false;
    if (!dry) {
      const made = await mkdir(target, { recursive: true, mode: 0o700 });
      rootFresh = made !== undefined && readdirSync(target).length === 0;
    }
    const dirs = new DirCache(target, rootFresh);
    // created on the first batch write; a restore without batches starts no worker
    const pool = new WritePool({
      threads: options.writeThreads ?? writeThreads(),
      ...(options.nativeWrites === false ? { native: false } : {}),
    });
    // 32: many small files in flight lets a remote storage merge their reads (storage/coalesce.ts)
    const files = new Limit(options.concurrency ?? 32);
    const ranges = new Limit(options.rangeConcurrency ?? 8);
    const pending = new Set<Promise<void>>();
    const linkFirst = new Map<string, Buffer>();
    const deferredLinks: Deferred[] = [];
    const leftDirs: PendingDir[] = [];
    const restoredFiles: { item: WalkItem; hashes: RangeHash[] }[] = [];

    const shouldOverwrite = async (item: WalkItem): Promise<boolean> => {
      if (overwrite === 'always' || overwrite === 'if-changed') return true;
      const st = await lstatOrUndefined(abs(item.path));
      if (!st) return true;
      if (overwrite === 'if-newer') return item.entry.mtimeNs > st.mtimeNs;
      return false;
    };

    const ensureParent = async (item: WalkItem): Promise<void> => {
      if (dry) return;
      const slash = item.path.lastIndexOf(0x2f);
      if (slash > 0) await dirs.ensure(item.path.subarray(0, slash));
    };

    const parentFresh = (item: WalkItem): boolean => {
      const slash = item.path.lastIndexOf(0x2f);
      return dirs.isFresh(slash < 0 ? Buffer.alloc(0) : item.path.subarray(0, slash));
    };

    const restoreFile = async (item: WalkItem): Promise<void> => {
      const { entry } = item;
      const finalPath = abs(item.path);
      if (!dry && parentFresh(item) && entry.size <= BATCH_FILE_MAX) {
        // a repository without readFiles: nothing can exist below a directory this run created
        const data = await readAll(
          r.open(item.entry, undefined, { signal: options.signal }),
          entry.size,
        );
        return writeGroup([{ item, data }]);
      }
      if (!(await shouldOverwrite(item))) return done('skipped', item, entry.size);
      const existing = await lstatOrUndefined(finalPath);
      if (existing?.isFile() && BigInt(entry.size) === existing.size) {
        let same = overwrite === 'if-changed' && existing.mtimeNs === entry.mtimeNs;
        if (!same && r.chunkMatches) {
          const chunks = [];
          for await (const c of r.chunks(entry)) chunks.push(c);
          const fh = await open(finalPath, constants.O_RDONLY | constants.O_NOFOLLOW);
          try {
            same = (await matchingChunks(r, chunks, fh, entry.size)).every(Boolean);
          } finally {
            await fh.close();
          }
        }
        if (same) {
          if (!dry) {
            await applyOwnerModeXattrs(finalPath, entry, meta(item.location));
            await applyTimes(finalPath, entry);
          }
          summary.bytesKept += entry.size;
          return done('unchanged', item, entry.size);
        }
      }
      const action: FileAction = existing ? 'updated' : 'restored';
      if (dry) {
        counter.addBytes(entry.size);
        return done(action, item, entry.size);
      }
      const tmp = tempNameFor(finalPath);
      const res = await writeContent(r, entry, tmp, existing?.isFile() ? finalPath : undefined, {
        sparse: options.sparse === true,
        rangeSize: options.rangeSize ?? 16 * 1024 * 1024,
        ranges,
        signal: options.signal,
        onBytes: (n) => counter.addBytes(n),
        keepHashes: options.verify === true,
      });
      counter.addBytes(res.kept);
      summary.bytesFetched += res.fetched;
      summary.bytesKept += res.kept;
      await applyOwnerModeXattrs(tmp, entry, meta(item.location));
      await applyTimes(tmp, entry);
      if (existing?.isDirectory()) await removeAny(finalPath);
      await commitTemp(tmp, finalPath);
      if (options.verify) restoredFiles.push({ item, hashes: res.hashes });
      done(action, item, entry.size);
    };

    const restoreSpecial = async (item: WalkItem): Promise<void> => {
      const { entry } = item;
      const finalPath = abs(item.path);
      if (!(await shouldOverwrite(item))) return done('skipped', item, 0);
      const existing = await lstatOrUndefined(finalPath);
      summary.specials++;
      if (dry) return done(existing ? 'updated' : 'restored', item, 0);
      if (entry.type === 'symlink') {
        const tmp = tempNameFor(finalPath);
        await removeAny(tmp);
        await symlink(Buffer.from(entry.linkTarget ?? new Uint8Array()), tmp);
        await applyOwnerModeXattrs(tmp, entry, meta(item.location));
        await applyTimes(tmp, entry);
        if (existing?.isDirectory()) await removeAny(finalPath);
        await rename(tmp, finalPath);
      } else {
        await removeAny(finalPath);
        if (entry.type === 'fifo') await makeFifo(finalPath, entry.mode);
        else if (entry.type === 'chardev' || entry.type === 'blockdev') {
          if (!entry.device) throw new Error('device entry without a device number');
          await makeDevice(
            finalPath,
            entry.mode,
            entry.type === 'chardev',
            entry.device.major,
            entry.device.minor,
          );
        } else {
          throw new Error(`cannot restore an entry of type ${entry.type}`);
        }
        await applyOwnerModeXattrs(finalPath, entry, meta(item.location));
        await applyTimes(finalPath, entry);
      }
      done(existing ? 'updated' : 'restored', item, 0);
    };

    /**
     * files in fresh directories, read together in storage order: whole ones written by the
     * pool in groups, large ones piece by piece (piece-writer.ts)
     */
    const restoreBatch = async (items: WalkItem[]): Promise<void> => {
      const handled = new Array<boolean>(items.length).fill(false);
      const writes: Promise<void>[] = [];
      let group: { item: WalkItem; data: Uint8Array }[] = [];
      let groupBytes = 0;
      const send = (): void => {
        if (group.length === 0) return;
        const g = group;
        group = [];
        groupBytes = 0;
        writes.push(writeGroup(g));
      };
      // complete files waiting for a full group are written once a whole turn of the event loop
      // brings no new file (the reader waits on storage): they land on disk, and count as done
      // for a resume, without waiting for the rest of the batch. One check per turn, not per file.
      let arrivals = 0;
      let checking = false;
      const flushWhenIdle = (): void => {
        if (checking) return;
        checking = true;
        const seen = arrivals;
        setImmediate(() => {
          checking = false;
          if (group.length === 0) return;
          if (arrivals === seen) send();
          else flushWhenIdle();
        });
      };
      const pieces = new PieceWriter(
        PIECE_WRITE_BYTES,
        (n) => counter.addBytes(n),
        (i): PieceFile => ({
          tmp: tempNameFor(abs(items[i]!.path)),
          size: items[i]!.entry.size,
          sparse: options.sparse === true,
          keepHashes: options.verify === true,
        }),
      );
      try {
        const stream = r.readFiles!(
          items.map((i) => i.entry),
          {
            signal: options.signal,
            piecesAbove: BATCH_FILE_MAX,
            // the thread that decodes a piece writes it at once, while it is in that core's cache;
            // --sparse (holes) and --verify (a hash per piece) write here, piece by piece
            pieceFd: options.sparse || options.verify ? undefined : (i) => pieces.fd(i),
          },
        );
        for await (const f of stream) {
          arrivals++;
          const item = items[f.index]!;
          if (f.piece) {
            if (f.written) pieces.written(f.length);
            else await pieces.piece(f.index, f.start, f.data);
            if (f.last) {
              handled[f.index] = true;
              writes.push(finishPieced(item, pieces, f.index));
            }
            continue;
          }
          handled[f.index] = true;
          if (f.error) {
            if (pieces.has(f.index)) {
              const error = f.error;
              writes.push(pieces.abandon(f.index).then(() => fail(item.location, error)));
            } else fail(item.location, f.error);
            continue;
          }
          group.push({ item, data: f.data });
          groupBytes += f.data.length;
          if (groupBytes >= WRITE_GROUP_BYTES || group.length >= WRITE_GROUP_FILES) send();
          else flushWhenIdle();
        }
        send();
      } catch (e) {
        send(); // the complete files already in hand are still written
        items.forEach((item, i) => {
          if (handled[i]) return;
          handled[i] = true;
          if (pieces.has(i)) writes.push(pieces.abandon(i));
          fail(item.location, e);
        });
      }
      await Promise.all(writes);
      const lost = new Error('the repository returned no data for this file');
      items.forEach((item, i) => {
        if (!handled[i]) fail(item.location, lost);
      });
    };

    /** a file written in pieces is complete: closed, metadata set, renamed into place */
    const finishPieced = async (
      item: WalkItem,
      pieces: PieceWriter,
      index: number,
    ): Promise<void> => {
      let file: PieceFile;
      let hashes: RangeHash[];
      try {
        ({ file, hashes } = await pieces.finish(index));
      } catch (e) {
        return fail(item.location, e);
      }
      try {
        await applyOwnerModeXattrs(file.tmp, item.entry, meta(item.location));
        await applyTimes(file.tmp, item.entry);
        await commitTemp(file.tmp, abs(item.path));
        summary.bytesFetched += file.size;
        if (options.verify) restoredFiles.push({ item, hashes });
        done('restored', item, item.entry.size);
      } catch (e) {
        await unlink(file.tmp).catch(() => undefined);
        fail(item.location, e);
      }
    };

    /**
     * one group of complete files to the write pool (native batch writer, worker threads or
     * inline), results reported. The files' own buffers go in uncopied (the pool copies them for
     * worker threads only); nothing here changes them while the write is in flight.
     */
    const writeGroup = async (g: { item: WalkItem; data: Uint8Array }[]): Promise<void> => {
      const jobs: WriteJob[] = g.map(({ item, data }) => {
        const { entry } = item;
        const finalPath = abs(item.path);
        const ids = ownerIds(entry, ownerMode);
        return {
          tmp: tempNameFor(finalPath),
          final: finalPath,
          data,
          mode: entry.mode & 0o7777,
          uid: ids?.[0],
          gid: ids?.[1],
          atimeNs: entry.atimeNs ?? entry.mtimeNs,
          mtimeNs: entry.mtimeNs,
          xattrs: (entry.xattrs ?? []).filter((x) => xattrWanted(x.name)),
          sparse: options.sparse === true,
        };
      });
      const hashes = options.verify
        ? g.map(({ data }) => createHash('sha256').update(data).digest('hex'))
        : undefined;
      let results: WriteResult[];
      try {
        results = await pool.write(jobs);
      } catch (e) {
        for (const { item } of g) fail(item.location, e);
        return;
      }
      g.forEach(({ item, data }, i) => {
        const res = results[i]!;
        for (const message of res.warnings) {
          summary.warnings.push({ location: item.location, code: 'WARNING', message });
          counter.warn(item.location, message);
        }
        if (res.error) {
          fail(
            item.location,
            Object.assign(new Error(res.error.message), { code: res.error.code }),
          );
          return;
        }
        counter.addBytes(data.length);
        summary.bytesFetched += data.length;
        if (hashes) {
          restoredFiles.push({
            item,
            hashes: [{ offset: 0, length: data.length, sha256: hashes[i]! }],
          });
        }
        done('restored', item, item.entry.size);
      });
    };

    let batch: WalkItem[] = [];
    let batchBytes = 0;
    const batches = new Limit(BATCHES_IN_FLIGHT);
    const flushBatch = async (): Promise<void> => {
      if (batch.length === 0) return;
      const items = batch;
      batch = [];
      batchBytes = 0;
      await batches.acquire();
      const p = restoreBatch(items).finally(() => {
        batches.release();
        pending.delete(p);
      });
      pending.add(p);
    };
    const batchable = (item: WalkItem): boolean =>
      !dry && r.readFiles !== undefined && parentFresh(item);

    const schedule = async (item: WalkItem, job: (i: WalkItem) => Promise<void>): Promise<void> => {
      await files.acquire();
      const p = job(item)
        .catch((e: unknown) => fail(item.location, e))
        .finally(() => {
          files.release();
          pending.delete(p);
        });
      pending.add(p);
    };

    let walkError: unknown;
    try {
      await walk(
        r,
        top,
        {
          async enterDir(item) {
            if (item.depth === 0) return;
            try {
              if (!dry) {
                await ensureParent(item);
                const parent = item.path.lastIndexOf(0x2f);
                const parentFresh = dirs.isFresh(
                  parent < 0 ? Buffer.alloc(0) : item.path.subarray(0, parent),
                );
                if (parentFresh) {
                  await mkdir(abs(item.path), 0o700);
                  dirs.mark(item.path, true);
                } else {
                  dirs.mark(item.path, await ensureDir(abs(item.path)));
                }
              }
            } catch (e) {
              fail(item.location, e);
            }
          },
          async visit(item) {
            try {
              await ensureParent(item);
            } catch (e) {
              return fail(item.location, e);
            }
            const { entry } = item;
            if (entry.type === 'file') {
              met(entry.size);
              if (entry.hardlinkKey !== undefined && (entry.links ?? 0) > 1) {
                const first = linkFirst.get(entry.hardlinkKey);
                if (first) {
                  deferredLinks.push({ item, first });
                  return;
                }
                linkFirst.set(entry.hardlinkKey, abs(item.path));
              }
              if (batchable(item)) {
                batch.push(item);
                batchBytes += Math.min(entry.size, BATCH_BYTES);
                if (batchBytes >= BATCH_BYTES || batch.length >= BATCH_FILES) await flushBatch();
                return;
              }
              await schedule(item, restoreFile);
            } else if (entry.type === 'unknown') {
              const p = {
                location: item.location,
                code: 'SALVAGE_UNSUPPORTED_FORMAT',
                message: 'entry of an unknown type not restored',
              };
              summary.warnings.push(p);
              counter.warn(item.location, p.message);
            } else {
              await schedule(item, restoreSpecial);
            }
          },
          leaveDir(item, names) {
            leftDirs.push({ item, names: options.delete ? names : undefined });
          },
          refuse(location, reason) {
            const p = { location, code: 'SALVAGE_UNSAFE_PATH', message: `refused: ${reason}` };
            summary.refused.push(p);
            counter.error(location, p.code, p.message);
          },
        },
        { select, signal: options.signal, collectNames: options.delete === true },
      );
    } catch (e) {
      walkError = e;
    }
    await flushBatch();
    await Promise.allSettled([...pending]);
    while (pending.size > 0) await Promise.allSettled([...pending]);
    await pool.close();
    if (walkError !== undefined) throw walkError;
    options.signal?.throwIfAborted();

    // second pass: hard links to the first restored path of each group
    for (const { item, first } of deferredLinks) {
      try {
        if (!(await shouldOverwrite(item))) {
          done('skipped', item, 0, 'hardlink');
          continue;
        }
        const p = abs(item.path);
        const existing = await lstatOrUndefined(p);
        if (!dry) {
          await removeAny(p);
          await link(first, p);
        }
        summary.hardlinks++;
        done(existing ? 'updated' : 'restored', item, 0, 'hardlink');
      } catch (e) {
        fail(item.location, e);
      }
    }

    // --delete: what the snapshot does not have, where the filter selects it
    if (options.delete) {
      if (summary.refused.length > 0) {
        summary.warnings.push({
          location: '/',
          code: 'WARNING',
          message: '--delete skipped: entries were refused',
        });
      } else {
        for (const d of leftDirs) {
          const keep = new Set((d.names ?? []).map((n) => n.toString('latin1')));
          let found: Buffer[] = [];
          try {
            found = await readdir(abs(d.item.path), { encoding: 'buffer' });
          } catch {
            continue;
          }
          for (const name of found) {
            if (keep.has(name.toString('latin1'))) continue;
            const rel =
              d.item.path.length === 0
                ? name
                : Buffer.concat([d.item.path, Buffer.from('/'), name]);
            const location =
              d.item.location === '/'
                ? `/${name.toString()}`
                : `${d.item.location}/${name.toString()}`;
            if (!isTempName(name) && !select(location, false).selected) continue;
            try {
              if (!dry) await removeAny(abs(rel));
              summary.deleted++;
              counter.emit({
                type: 'file',
                action: 'deleted',
                location,
                entryType: 'unknown',
                size: 0,
              });
            } catch (e) {
              fail(location, e);
            }
          }
        }
      }
    }

    // directory metadata last, children before parents (leaveDir order)
    for (const d of leftDirs) {
      // the target itself gets the root's metadata only where the format recorded it (kopia
      // keeps the root directory's; restic keeps no node for a snapshot root: uid undefined)
      if (d.item.depth === 0 && d.item.entry.uid === undefined) continue;
      if (d.item.depth > 0) summary.dirs++;
      if (dry) continue;
      try {
        const p = abs(d.item.path);
        await applyOwnerModeXattrs(p, d.item.entry, meta(d.item.location));
        await applyTimes(p, d.item.entry);
      } catch (e) {
        fail(d.item.location, e);
      }
    }

    if (options.verify) {
      let verified = 0;
      for (const f of restoredFiles) {
        try {
          await verifyFile(r, f.item.entry, abs(f.item.path), f.hashes);
          verified++;
        } catch (e) {
          fail(f.item.location, e);
        }
      }
      summary.verified = verified;
    }

    counter.tick(true);
    counter.finish();
    const bad = summary.errors.length + summary.refused.length;
    if (bad > 0) {
      throw new PartialFailureError(
        `restore finished with ${summary.errors.length} error(s) and ${summary.refused.length} refused entr${summary.refused.length === 1 ? 'y' : 'ies'}`,
        { errors: bad, summary },
      );
    }
    return summary;
  }
}
