/**
 * The whole life of one restored small file: create the temp file (O_CREAT|O_EXCL|O_NOFOLLOW,
 * 0600), write its bytes, fchown, fchmod, xattrs, times, close, rename it to its final name. Two
 * implementations that give the same results (write-pool.test.ts compares them):
 * - `writeJobsNative`: one call to the native helper per group, which runs every syscall on a
 *   libuv threadpool thread (native/posix.c, "batch writer"); the main thread only packs the
 *   group into three arguments (see `pack`), so it costs no object per job on the C side.
 * - `writeJobsSync`: the same steps with Node's synchronous fs calls, run by a write worker
 *   (write-worker.ts) or inline by WritePool (write-pool.ts) when there is no native writer.
 *
 * Failures follow metadata.ts: owner and xattrs are warnings (as in restic);
 * anything else is the job's error, the temp file is removed, and the batch goes on. A temp file
 * that already existed is never removed nor written: the create fails with EEXIST first.
 *
 * The wire form (`WireJob`) is what crosses to a JS worker: structured clone copies the whole
 * ArrayBuffer under any typed-array view, and paths and xattr values are usually small views of
 * big buffers (Buffer's 8 KiB pool, a decoded tree blob), so they travel as latin1 strings (one
 * byte per char, lossless for any bytes), times as decimal strings, and the files' bytes as one
 * transferred buffer that the jobs index by offset.
 */

import {
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  ftruncateSync,
  futimesSync,
  openSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { portableTime, posixAddon, splitNs, type PosixAddon } from './native.js';

export interface WriteJob {
  /** temp path (absolute); must not exist */
  tmp: Buffer;
  /** final path (absolute); the temp file is renamed to it last */
  final: Buffer;
  /** the file's bytes; must stay unchanged (and not detached) until the write settles */
  data: Uint8Array;
  /** permission bits incl. setuid/setgid/sticky (set after the owner: chown clears them) */
  mode: number;
  /** both set: fchown (failure is a warning); either unset: owner left as created */
  uid?: number;
  gid?: number;
  atimeNs: bigint;
  mtimeNs: bigint;
  /** already filtered by the caller; a failure is a warning */
  xattrs: { name: string; value: Uint8Array }[];
  /** leave all-zero 4 KiB blocks (aligned to the file offset) as holes (restore --sparse) */
  sparse?: boolean;
}

export interface WriteResult {
  error?: { code: string; message: string };
  warnings: string[];
}

const CREATE_FLAGS =
  constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

const SPARSE_BLOCK = 4096;

const ZERO = Buffer.alloc(SPARSE_BLOCK);

function allZero(b: Buffer, from: number, to: number): boolean {
  return ZERO.compare(b, from, to, 0, to - from) === 0;
}

/** writes the non-zero blocks of `bytes` at their offsets, then sets the size: zeros stay holes */
function writeSparse(fd: number, view: Uint8Array): void {
  const bytes = Buffer.from(view.buffer, view.byteOffset, view.byteLength);
  let i = 0;
  while (i < bytes.length) {
    const end = Math.min(bytes.length, i + SPARSE_BLOCK);
    if (allZero(bytes, i, end)) {
      i = end;
      continue;
    }
    let j = end;
    while (j < bytes.length) {
      const e = Math.min(bytes.length, j + SPARSE_BLOCK);
      if (allZero(bytes, j, e)) break;
      j = e;
    }
    let off = i;
    while (off < j) off += writeSync(fd, bytes, off, j - off, off);
    i = j;
  }
  ftruncateSync(fd, bytes.length);
}

function problem(e: unknown): { code: string; message: string } {
  const err = e as { code?: unknown; message?: unknown };
  return {
    code: typeof err?.code === 'string' ? err.code : 'EIO',
    message: typeof err?.message === 'string' ? err.message : String(e),
  };
}

function writeJob(job: WriteJob, addon: PosixAddon | null): WriteResult {
  const warnings: string[] = [];
  let fd = -1;
  let created = false;
  try {
    const { data } = job;
    fd = openSync(job.tmp, CREATE_FLAGS, 0o600);
    created = true;
    if (job.sparse) writeSparse(fd, data);
    else {
      let off = 0;
      while (off < data.length) off += writeSync(fd, data, off, data.length - off, off);
    }
    if (job.uid !== undefined && job.gid !== undefined) {
      try {
        fchownSync(fd, job.uid, job.gid);
      } catch (e) {
        warnings.push(`cannot set owner ${job.uid}:${job.gid}: ${problem(e).message}`);
      }
    }
    fchmodSync(fd, job.mode & 0o7777);
    for (const x of job.xattrs) {
      try {
        if (!addon) throw new Error('xattrs need the native helper (native/build.sh)');
        const value = Buffer.from(x.value.buffer, x.value.byteOffset, x.value.byteLength);
        addon.lsetxattr(job.tmp, Buffer.from(x.name, 'utf8'), value);
      } catch (e) {
        warnings.push(`cannot set xattr ${x.name}: ${problem(e).message}`);
      }
    }
    // times last: nothing after this changes them (close and rename touch only ctime)
    if (addon) {
      const [as, an] = splitNs(job.atimeNs);
      const [ms, mn] = splitNs(job.mtimeNs);
      addon.utimens(job.tmp, as, an, ms, mn);
    } else futimesSync(fd, portableTime(job.atimeNs), portableTime(job.mtimeNs));
    closeSync(fd);
    fd = -1;
    renameSync(job.tmp, job.final);
    return { warnings };
  } catch (e) {
    if (fd >= 0) {
      try {
        closeSync(fd);
      } catch {
        // the error being reported matters more
      }
    }
    if (created) {
      try {
        unlinkSync(job.tmp);
      } catch {
        // best effort: restore reports the job's error either way
      }
    }
    return { error: problem(e), warnings };
  }
}

/**
 * Writes every job of a batch in order and returns one result per job; a job's failure does not
 * stop the others. `addon` defaults to the native helper (null: the portable calls, microsecond
 * times and no xattrs).
 */
export function writeJobsSync(
  jobs: readonly WriteJob[],
  addon: PosixAddon | null = posixAddon(),
): WriteResult[] {
  return jobs.map((job) => writeJob(job, addon));
}

/** the native helper when it has the batch writer, else null */
export function nativeWriter(): NativeWriter | null {
  const a = posixAddon();
  return a?.writeFiles ? (a as NativeWriter) : null;
}

export type NativeWriter = Required<Pick<PosixAddon, 'writeFiles'>>;

/** numbers per job before its xattr name lengths (posix.c WX_FIELDS) */
const FIELDS = 11;
/** seconds beyond any file system's range are sent as this (posix.c WX_MAX_SEC) */
const MAX_SEC = 2 ** 62;

const clampSec = (s: number): number => Math.max(-MAX_SEC, Math.min(MAX_SEC, s));

function isId(n: number | undefined): n is number {
  return n !== undefined && Number.isInteger(n) && n >= -1 && n <= 0xffff_ffff;
}

/**
 * The batch writer's three arguments (layout in posix.c): every path and xattr name back to back
 * in one Buffer, the numbers in one Float64Array, and the files' own bytes and xattr values in
 * one array, used in place (no copy). Owner ids Node's fchown would refuse become that warning
 * here, so the helper only ever sees valid ones.
 */
function pack(jobs: readonly WriteJob[]): {
  strings: Buffer;
  nums: Float64Array;
  bufs: Uint8Array[];
  early: string[][];
} {
  let chars = 0;
  let count = 0;
  const names: Buffer[][] = [];
  for (const job of jobs) {
    chars += job.tmp.length + job.final.length;
    const n = job.xattrs.map((x) => Buffer.from(x.name, 'utf8'));
    for (const b of n) chars += b.length;
    names.push(n);
    count += FIELDS + n.length;
  }
  const strings = Buffer.allocUnsafeSlow(chars);
  const nums = new Float64Array(count);
  const bufs: Uint8Array[] = [];
  const early: string[][] = [];
  let s = 0;
  let at = 0;
  jobs.forEach((job, i) => {
    const warnings: string[] = [];
    strings.set(job.tmp, s);
    s += job.tmp.length;
    strings.set(job.final, s);
    s += job.final.length;
    let uid = -1;
    let gid = -1;
    if (job.uid !== undefined && job.gid !== undefined) {
      if (isId(job.uid) && isId(job.gid)) [uid, gid] = [job.uid, job.gid];
      else warnings.push(`cannot set owner ${job.uid}:${job.gid}: uid or gid out of range`);
    }
    const [as, an] = splitNs(job.atimeNs);
    const [ms, mn] = splitNs(job.mtimeNs);
    nums[at++] = job.tmp.length;
    nums[at++] = job.final.length;
    nums[at++] = job.mode & 0o7777;
    nums[at++] = uid;
    nums[at++] = gid;
    nums[at++] = clampSec(as);
    nums[at++] = an;
    nums[at++] = clampSec(ms);
    nums[at++] = mn;
    nums[at++] = job.sparse ? 1 : 0;
    nums[at++] = job.xattrs.length;
    bufs.push(job.data);
    names[i]!.forEach((name, k) => {
      strings.set(name, s);
      s += name.length;
      nums[at++] = name.length;
      bufs.push(job.xattrs[k]!.value);
    });
    early.push(warnings);
  });
  return { strings, nums, bufs, early };
}

/**
 * Writes the jobs of one group through the native batch writer, off the main thread; resolves
 * with one result per job, as writeJobsSync returns them. Rejects only when the helper cannot
 * run or report the group at all (its files may then be partly written).
 */
export async function writeJobsNative(
  jobs: readonly WriteJob[],
  writer: NativeWriter,
): Promise<WriteResult[]> {
  const { strings, nums, bufs, early } = pack(jobs);
  const problems = await writer.writeFiles(strings, nums, bufs);
  const results: WriteResult[] = early.map((warnings) => ({ warnings }));
  for (const [i, isError, code, message] of problems) {
    const r = results[i]!;
    if (isError) r.error = { code, message };
    else r.warnings.push(message);
  }
  return results;
}

/** a WriteJob as it crosses to a worker: strings and numbers only (see the header) */
export interface WireJob {
  tmp: string;
  final: string;
  offset: number;
  length: number;
  mode: number;
  /** -1: unset */
  uid: number;
  gid: number;
  atimeNs: string;
  mtimeNs: string;
  /** [name, value as latin1] */
  xattrs: [string, string][];
  sparse: boolean;
}

/** one batch for a worker: every job's bytes in `data`, which is transferred, not copied */
export interface WireBatch {
  id: number;
  jobs: WireJob[];
  data: ArrayBuffer;
}

export interface WireReply {
  id: number;
  results: WriteResult[];
}

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** `offset`: where the job's bytes start in the batch's buffer */
export function encodeJob(job: WriteJob, offset: number): WireJob {
  const owned = job.uid !== undefined && job.gid !== undefined;
  return {
    tmp: latin1(job.tmp),
    final: latin1(job.final),
    offset,
    length: job.data.length,
    mode: job.mode,
    uid: owned ? job.uid! : -1,
    gid: owned ? job.gid! : -1,
    atimeNs: job.atimeNs.toString(),
    mtimeNs: job.mtimeNs.toString(),
    xattrs: job.xattrs.map((x) => [x.name, latin1(x.value)]),
    sparse: job.sparse === true,
  };
}

/** a job whose range is not inside `data` throws (a RangeError with code EINVAL) */
export function decodeJob(w: WireJob, data: Uint8Array): WriteJob {
  const { offset, length } = w;
  if (
    !Number.isSafeInteger(offset) ||
    !Number.isSafeInteger(length) ||
    offset < 0 ||
    length < 0 ||
    offset + length > data.length
  ) {
    throw Object.assign(
      new RangeError(`range ${offset}+${length} is outside the batch's ${data.length} bytes`),
      { code: 'EINVAL' },
    );
  }
  const job: WriteJob = {
    tmp: Buffer.from(w.tmp, 'latin1'),
    final: Buffer.from(w.final, 'latin1'),
    data: data.subarray(offset, offset + length),
    mode: w.mode,
    atimeNs: BigInt(w.atimeNs),
    mtimeNs: BigInt(w.mtimeNs),
    xattrs: w.xattrs.map(([name, value]) => ({ name, value: Buffer.from(value, 'latin1') })),
    sparse: w.sparse,
  };
  if (w.uid >= 0 && w.gid >= 0) {
    job.uid = w.uid;
    job.gid = w.gid;
  }
  return job;
}
