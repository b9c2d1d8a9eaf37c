/**
 * dump: one file's bytes to a stream, or directories as a tar, tar.gz or zip archive, streamed
 * with bounded memory through the one walker. Tar keeps what restore keeps (modes, owners,
 * nanosecond mtimes, symlinks, hard links as link entries, fifos, devices, xattrs, raw name
 * bytes); zip keeps files, directories and symlinks (zip64 past 4 GiB via yazl), and stores hard
 * links as copies. restic `internal/dump/tar.go`, `zip.go`; kopia `snapshot/restore/tar_output.go`.
 */

import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { PassThrough, type Writable } from 'node:stream';
import { createGzip } from 'node:zlib';
import yazl from 'yazl';
import { UsageError } from '../../errors.js';
import type { Entry, Repository } from '../../model.js';
import type { SelectFn } from '../filter/select.js';
import { ProgressCounter, type ProgressListener } from '../progress/events.js';
import { walk, type WalkItem } from '../walk/walk.js';
import {
  END_OF_ARCHIVE,
  encodeHeader,
  padding,
  type TarEntry,
  type TarType,
} from './tar-header.js';
import { endStream, writeAll } from './output.js';

export type ArchiveFormat = 'tar' | 'tar.gz' | 'zip';

export interface DumpRoot {
  entry: Entry;
  /** path of the root inside the archive (raw bytes); empty puts its children at the top */
  name: Buffer;
}

export interface DumpOptions {
  format: ArchiveFormat;
  select?: SelectFn;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
  /** gzip level for tar.gz (default 6) */
  level?: number;
}

export interface DumpSummary {
  entries: number;
  bytes: number;
  skipped: { location: string; reason: string }[];
}

type RepoPart = Pick<Repository, 'list' | 'open'>;

const ZIP_MIN_MS = Date.UTC(1980, 0, 2);
const ZIP_MAX_MS = Date.UTC(2106, 0, 1);

/** one file's content into `out` (not ended) */
export async function dumpFile(
  repo: Pick<Repository, 'open'>,
  file: Entry,
  out: Writable,
  onBytes?: (n: number) => void,
): Promise<number> {
  if (file.type !== 'file')
    throw new UsageError(`${file.displayName} is a ${file.type}, not a file`);
  const reader = repo.open(file).getReader();
  let n = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      await writeAll(out, value);
      n += value.length;
      onBytes?.(value.length);
    }
  } finally {
    reader.releaseLock();
  }
  return n;
}

interface ArchiveSink {
  add(item: WalkItem, path: Buffer, hardlinkTo: Buffer | undefined): Promise<void>;
  finish(): Promise<void>;
}

const TAR_TYPES: Partial<Record<Entry['type'], TarType>> = {
  file: 'file',
  dir: 'dir',
  symlink: 'symlink',
  fifo: 'fifo',
  chardev: 'chardev',
  blockdev: 'blockdev',
};

function tarSink(
  repo: RepoPart,
  out: Writable,
  counter: ProgressCounter,
  summary: DumpSummary,
): ArchiveSink {
  return {
    async add(item, path, hardlinkTo) {
      const e = item.entry;
      const type = hardlinkTo ? 'hardlink' : TAR_TYPES[e.type];
      if (!type) {
        summary.skipped.push({
          location: item.location,
          reason: `${e.type} entries cannot be stored in tar`,
        });
        return;
      }
      const header: TarEntry = {
        path,
        type,
        mode: e.mode,
        uid: e.uid ?? 0,
        gid: e.gid ?? 0,
        uname: e.user,
        gname: e.group,
        size: type === 'file' ? e.size : 0,
        mtimeNs: e.mtimeNs,
        linkpath: hardlinkTo ?? (e.linkTarget ? Buffer.from(e.linkTarget) : undefined),
        devmajor: e.device?.major,
        devminor: e.device?.minor,
        xattrs: e.xattrs,
      };
      await writeAll(out, encodeHeader(header));
      if (type === 'file') {
        const n = await dumpFile(repo, e, out, (b) => counter.addBytes(b));
        if (n !== e.size) {
          throw new UsageError(
            `${item.location}: content has ${n} bytes, the entry says ${e.size}; tar needs them equal`,
          );
        }
        await writeAll(out, Buffer.alloc(padding(n)));
        summary.bytes += n;
      }
      summary.entries++;
      counter.fileDone('restored', item.location, e.type, header.size);
    },
    async finish() {
      await writeAll(out, END_OF_ARCHIVE);
    },
  };
}

function zipSink(
  repo: RepoPart,
  out: Writable,
  counter: ProgressCounter,
  summary: DumpSummary,
): { sink: ArchiveSink; done: Promise<void> } {
  const zip = new yazl.ZipFile();
  zip.outputStream.pipe(out, { end: false });
  const done = once(zip.outputStream, 'end').then(() => undefined);
  const sink: ArchiveSink = {
    async add(item, path, _hardlinkTo) {
      const e = item.entry;
      const name = path.toString('utf8');
      // zip times are DOS times (1980..2107) plus a uint32 Unix time: clamp what does not fit
      const ms = Number(e.mtimeNs / 1_000_000n);
      const mtime = new Date(Math.min(Math.max(ms, ZIP_MIN_MS), ZIP_MAX_MS));
      if (e.type === 'dir') {
        zip.addEmptyDirectory(name, { mtime, mode: 0o40000 | (e.mode & 0o7777) });
      } else if (e.type === 'symlink') {
        zip.addBuffer(Buffer.from(e.linkTarget ?? new Uint8Array()), name, {
          mtime,
          mode: 0o120000 | 0o777,
          compress: false,
        });
      } else if (e.type === 'file') {
        const pass = new PassThrough({ highWaterMark: 1 << 20 });
        zip.addReadStream(pass, name, { mtime, mode: 0o100000 | (e.mode & 0o7777), size: e.size });
        const n = await dumpFile(repo, e, pass, (b) => counter.addBytes(b));
        pass.end();
        await once(pass, 'end');
        summary.bytes += n;
      } else {
        summary.skipped.push({
          location: item.location,
          reason: `${e.type} entries cannot be stored in zip`,
        });
        return;
      }
      summary.entries++;
      counter.fileDone('restored', item.location, e.type, e.type === 'file' ? e.size : 0);
    },
    async finish() {
      zip.end();
      await done;
    },
  };
  return { sink, done };
}

function joinArchivePath(root: Buffer, rel: Buffer): Buffer {
  if (root.length === 0) return rel;
  if (rel.length === 0) return root;
  return Buffer.concat([root, Buffer.from('/'), rel]);
}

/**
 * Streams the roots as one archive into `out` and ends it. Unsafe names are skipped and reported
 * (an archive must not carry `..` either).
 */
export async function dumpArchive(
  repo: RepoPart,
  roots: readonly DumpRoot[],
  out: Writable,
  options: DumpOptions,
): Promise<DumpSummary> {
  const counter = new ProgressCounter(options.onProgress);
  const summary: DumpSummary = { entries: 0, bytes: 0, skipped: [] };
  let target: Writable = out;
  let gzipDone: Promise<unknown> | undefined;
  if (options.format === 'tar.gz') {
    const gz = createGzip({ level: options.level ?? 6 });
    gz.pipe(out, { end: false });
    gzipDone = once(gz, 'end');
    target = gz;
  }
  let sink: ArchiveSink;
  if (options.format === 'zip') sink = zipSink(repo, target, counter, summary).sink;
  else sink = tarSink(repo, target, counter, summary);

  for (let root of roots) {
    const links = new Map<string, Buffer>();
    const add = async (item: WalkItem): Promise<void> => {
      const path = joinArchivePath(root.name, item.path);
      if (path.length === 0) return;
      const key = item.entry.hardlinkKey;
      let to: Buffer | undefined;
      if (item.entry.type === 'file' && key !== undefined && (item.entry.links ?? 0) > 1) {
        to = links.get(key);
        if (!to) links.set(key, path);
      }
      await sink.add(item, path, options.format === 'zip' ? undefined : to);
    };
    if (root.entry.type !== 'dir') {
      if (root.name.length === 0) root = { ...root, name: Buffer.from(root.entry.name) };
      await add({
        entry: root.entry,
        path: Buffer.alloc(0),
        location: '/' + root.entry.displayName,
        depth: 0,
      });
      continue;
    }
    await walk(
      repo,
      root.entry,
      {
        enterDir: add,
        visit: add,
        refuse(location, reason) {
          summary.skipped.push({ location, reason });
          counter.error(location, 'SALVAGE_UNSAFE_PATH', reason);
        },
      },
      { select: options.select, signal: options.signal, skipSockets: true },
    );
  }
  await sink.finish();
  if (gzipDone) {
    target.end();
    await gzipDone;
  }
  await endStream(out);
  counter.finish();
  return summary;
}

/** a web ReadableStream of an archive, for servers */
export function archiveStream(
  repo: RepoPart,
  roots: readonly DumpRoot[],
  options: DumpOptions,
): Readable {
  const pass = new PassThrough();
  dumpArchive(repo, roots, pass, options).catch((e: unknown) => pass.destroy(e as Error));
  return pass;
}
