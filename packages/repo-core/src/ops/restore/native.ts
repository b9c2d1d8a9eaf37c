/**
 * The POSIX calls Node's fs lacks, through the optional native helper `posix.node` (native/posix.c,
 * built by native/build.sh), each with a portable fallback: fs.lutimes (microseconds only), the
 * mkfifo/mknod programs (Node has neither call; a child process is the only portable way), and
 * no xattrs. `nativeAvailable()` says which path runs, so tests can prove the fast one is taken.
 * The helper also has restore's batch writer for small files (`writeFiles`, used through
 * write-jobs.ts `writeJobsNative`), which has no fallback here: WritePool writes in JS without it.
 */

import { execFile } from 'node:child_process';
import { lutimes } from 'node:fs/promises';
import { promisify } from 'node:util';
import { nativeAddon } from '../../util/native-addon.js';

export interface PosixAddon {
  utimens(path: Buffer, aSec: number, aNsec: number, mSec: number, mNsec: number): void;
  mkfifo(path: Buffer, mode: number): void;
  mknod(path: Buffer, mode: number, isChar: boolean, major: number, minor: number): void;
  lsetxattr(path: Buffer, name: Buffer, value: Buffer): void;
  /**
   * Writes a group of small files on a libuv threadpool thread (posix.c, "batch writer"; absent
   * from helpers built before it). write-jobs.ts `writeJobsNative` builds the arguments and reads
   * the problems: [job index, is an error (else a warning), code, message].
   */
  writeFiles?(
    strings: Buffer,
    nums: Float64Array,
    bufs: Uint8Array[],
  ): Promise<[number, boolean, string, string][]>;
}

const run = promisify(execFile);
// util/native-addon.ts loads it once per thread
function load(): PosixAddon | null {
  return nativeAddon<PosixAddon>() as PosixAddon | null;
}

/**
 * The loaded helper, or null (absent, failed to load, or SALVAGE_NO_NATIVE=1). For code that
 * calls it directly, e.g. the restore write workers (write-jobs.ts): each worker thread loads its
 * own copy through its own instance of this module.
 */
export function posixAddon(): PosixAddon | null {
  return load();
}

export function nativeAvailable(): boolean {
  return load() !== null;
}

const NS = 1_000_000_000n;

/** seconds and nanoseconds (0 ≤ ns < 1e9), also for times before 1970 */
export function splitNs(ns: bigint): [number, number] {
  let sec = ns / NS;
  let nsec = ns % NS;
  if (nsec < 0n) {
    nsec += NS;
    sec -= 1n;
  }
  return [Number(sec), Number(nsec)];
}

/** sets atime and mtime without following a symlink; nanoseconds with the helper */
export async function setTimes(path: Buffer, atimeNs: bigint, mtimeNs: bigint): Promise<void> {
  const a = load();
  const [as, an] = splitNs(atimeNs);
  const [ms, mn] = splitNs(mtimeNs);
  if (a) {
    a.utimens(path, as, an, ms, mn);
    return;
  }
  await lutimes(path, portableTime(atimeNs), portableTime(mtimeNs));
}

/**
 * A time for Node's utimes family (microseconds), as a numeric string: Node replaces a negative
 * number (a time before 1970) with the current time, but takes a string as it is.
 */
export function portableTime(ns: bigint): string {
  const [s, n] = splitNs(ns);
  return String(s + n / 1e9);
}

function pathArg(path: Buffer): string {
  const s = path.toString('utf8');
  if (!Buffer.from(s, 'utf8').equals(path)) {
    throw Object.assign(new Error('name is not UTF-8 and the native helper is not built'), {
      code: 'ENOTSUP',
    });
  }
  return s;
}

export async function makeFifo(path: Buffer, mode: number): Promise<void> {
  const a = load();
  if (a) return a.mkfifo(path, mode & 0o7777);
  await run('mkfifo', ['-m', (mode & 0o7777).toString(8), '--', pathArg(path)]);
}

export async function makeDevice(
  path: Buffer,
  mode: number,
  isChar: boolean,
  major: number,
  minor: number,
): Promise<void> {
  const a = load();
  if (a) return a.mknod(path, mode & 0o7777, isChar, major, minor);
  await run('mknod', [
    '-m',
    (mode & 0o7777).toString(8),
    '--',
    pathArg(path),
    isChar ? 'c' : 'b',
    String(major),
    String(minor),
  ]);
}

/** sets one xattr on the entry itself; throws ENOTSUP without the helper */
export function setXattr(path: Buffer, name: string, value: Uint8Array): void {
  const a = load();
  if (!a) {
    throw Object.assign(new Error('xattrs need the native helper (native/build.sh)'), {
      code: 'ENOTSUP',
    });
  }
  a.lsetxattr(path, Buffer.from(name, 'utf8'), Buffer.from(value));
}
