/**
 * The fast path for small files in directories this restore created: the content (≤ 1 MiB, so
 * memory stays bounded by the file concurrency) is read whole, then written, owned and chmod-ed
 * through one descriptor with synchronous calls. Measured on 2,000 files of 1–16 KiB: the
 * general path's ~14 thread-pool round trips per file dominated the restore time (bench/RESULTS.md).
 *
 * The one exception is the create itself (`open(O_CREAT|O_EXCL)`), which goes through the thread
 * pool: on ext4 a create can block for milliseconds (allocating an inode may read its inode-table
 * block from disk; a new journal handle waits while a commit is flushing), and done synchronously
 * it stalled the whole event loop: 6.1 s of a 20,000-file restore was the main thread sitting in
 * `openSync`, with nothing else running. Asynchronous, the loop keeps reading and decoding
 * meanwhile. Creates are still issued one at a time: creates in one directory serialize on its
 * lock in the kernel anyway, and several in flight only spun on it (perf: `rwsem_spin_on_owner`).
 * The write, fchown, fchmod and close after it stay synchronous: microseconds each on a
 * descriptor already open.
 */

import { closeSync, constants, fchmodSync, fchownSync, open, writeSync } from 'node:fs';
import { IntegrityError } from '../../errors.js';
import type { Entry } from '../../model.js';
import { setXattr } from './native.js';
import type { MetadataOptions } from './metadata.js';
import { gidForName, uidForName } from './owners.js';

export const SMALL_FILE = 1 << 20;

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

const CREATE_FLAGS =
  constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** the create in flight, if any: the next one starts when it settles */
let lastCreate: Promise<unknown> = Promise.resolve();

/** a raw descriptor for a new file, created in the thread pool (not a FileHandle: closed sync) */
function createExclusive(path: Buffer): Promise<number> {
  const created = lastCreate.then(
    () =>
      new Promise<number>((resolve, reject) => {
        open(path, CREATE_FLAGS, 0o600, (err, fd) => (err ? reject(err) : resolve(fd)));
      }),
  );
  lastCreate = created.catch(() => undefined);
  return created;
}

/** creates `tmp` (must not exist), writes `data`, sets owner, mode and xattrs */
export async function writeSmallFile(
  tmp: Buffer,
  data: Uint8Array,
  entry: Entry,
  opts: MetadataOptions,
): Promise<void> {
  const fd = await createExclusive(tmp);
  try {
    let off = 0;
    while (off < data.length) off += writeSync(fd, data, off, data.length - off, off);
    if (opts.owner !== 'none' && entry.uid !== undefined && entry.gid !== undefined) {
      const uid = opts.owner === 'name' ? (uidForName(entry.user) ?? entry.uid) : entry.uid;
      const gid = opts.owner === 'name' ? (gidForName(entry.group) ?? entry.gid) : entry.gid;
      try {
        fchownSync(fd, uid, gid);
      } catch (e) {
        opts.warn(`cannot set owner ${uid}:${gid}: ${(e as Error).message}`);
      }
    }
    fchmodSync(fd, entry.mode & 0o7777);
  } finally {
    closeSync(fd);
  }
  for (const x of entry.xattrs ?? []) {
    if (!opts.xattr(x.name)) continue;
    try {
      setXattr(tmp, x.name, x.value);
    } catch (e) {
      opts.warn(`cannot set xattr ${x.name}: ${(e as Error).message}`);
    }
  }
}
