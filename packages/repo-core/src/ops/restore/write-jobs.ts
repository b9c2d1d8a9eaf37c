/**
 * The whole life of one restored small file as synchronous syscalls: create the temp file
 * (O_CREAT|O_EXCL|O_NOFOLLOW, 0600), write its bytes, fchown, fchmod, xattrs, times, close, rename
 * it to its final name. `writeJobsSync` runs a batch of them; a write worker (write-worker.ts)
 * calls it off the main thread, and WritePool (write-pool.ts) calls it inline when there are no
 * workers, so both paths give the same results.
 *
 * Failures follow metadata.ts: owner and xattrs are warnings (as in restic);
 * anything else is the job's error, the temp file is removed, and the batch goes on. A temp file
 * that already existed is never removed nor written: the create fails with EEXIST first.
 *
 * The wire form (`WireJob`) is what crosses to a worker: structured clone copies the whole
 * ArrayBuffer under any typed-array view, and paths and xattr values are usually small views of
 * big buffers (Buffer's 8 KiB pool, a decoded tree blob), so they travel as latin1 strings (one
 * byte per char, lossless for any bytes), and times as decimal strings.
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
  /** this file's bytes are data[offset, offset + length) of the batch buffer */
  offset: number;
  length: number;
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

function writeJob(job: WriteJob, data: Uint8Array, addon: PosixAddon | null): WriteResult {
  const warnings: string[] = [];
  let fd = -1;
  let created = false;
  try {
    const { offset, length } = job;
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0) {
      throw Object.assign(new RangeError(`bad range ${offset}+${length}`), { code: 'EINVAL' });
    }
    if (length < 0 || offset + length > data.length) {
      throw Object.assign(
        new RangeError(`range ${offset}+${length} is outside the batch's ${data.length} bytes`),
        { code: 'EINVAL' },
      );
    }
    fd = openSync(job.tmp, CREATE_FLAGS, 0o600);
    created = true;
    if (job.sparse) writeSparse(fd, data.subarray(offset, offset + length));
    else {
      let off = 0;
      while (off < length) off += writeSync(fd, data, offset + off, length - off, off);
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
  data: Uint8Array,
  addon: PosixAddon | null = posixAddon(),
): WriteResult[] {
  return jobs.map((job) => writeJob(job, data, addon));
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

/** one batch for a worker; `data` is transferred, not copied */
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

export function encodeJob(job: WriteJob): WireJob {
  const owned = job.uid !== undefined && job.gid !== undefined;
  return {
    tmp: latin1(job.tmp),
    final: latin1(job.final),
    offset: job.offset,
    length: job.length,
    mode: job.mode,
    uid: owned ? job.uid! : -1,
    gid: owned ? job.gid! : -1,
    atimeNs: job.atimeNs.toString(),
    mtimeNs: job.mtimeNs.toString(),
    xattrs: job.xattrs.map((x) => [x.name, latin1(x.value)]),
    sparse: job.sparse === true,
  };
}

export function decodeJob(w: WireJob): WriteJob {
  const job: WriteJob = {
    tmp: Buffer.from(w.tmp, 'latin1'),
    final: Buffer.from(w.final, 'latin1'),
    offset: w.offset,
    length: w.length,
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
