/**
 * The vocabulary both formats speak. restic/ and kopia/ produce these; ops/, the CLI and the
 * server consume only these. If a consumer needs to know which format it is reading, something
 * is missing here: add it here, not there.
 */

export type RepositoryFormat = 'restic' | 'kopia';

export type EntryType =
  | 'file'
  | 'dir'
  | 'symlink'
  | 'fifo'
  | 'socket'
  | 'chardev'
  | 'blockdev'
  /** a type the format stored that this reader does not know; listed, never read */
  | 'unknown';

export interface ByteRange {
  offset: number;
  /** bytes to read; omitted means "to the end" */
  length?: number;
}

export interface DeviceNumber {
  major: number;
  minor: number;
  /** the raw st_rdev as stored, when the format stores one number */
  raw?: bigint;
}

export interface ExtendedAttribute {
  name: string;
  value: Uint8Array;
}

/**
 * One directory entry of a snapshot, with everything a faithful restore needs. Fields a format
 * does not record are undefined (not zero): kopia has no xattrs, no hardlink identity, no ctime.
 */
export interface Entry {
  /** exact name bytes as stored (may be invalid UTF-8) */
  readonly name: Uint8Array;
  /** the name for display: UTF-8 decoded, invalid sequences replaced by U+FFFD */
  readonly displayName: string;
  readonly type: EntryType;
  /** POSIX permission bits including setuid 0o4000, setgid 0o2000, sticky 0o1000; no type bits */
  readonly mode: number;
  readonly uid?: number;
  readonly gid?: number;
  readonly user?: string;
  readonly group?: string;
  /** file size in bytes (0 for non-files) */
  readonly size: number;
  /** nanoseconds since the Unix epoch (negative before 1970) */
  readonly mtimeNs: bigint;
  readonly atimeNs?: bigint;
  readonly ctimeNs?: bigint;
  /** symlink target bytes */
  readonly linkTarget?: Uint8Array;
  readonly device?: DeviceNumber;
  readonly xattrs?: readonly ExtendedAttribute[];
  /**
   * Entries of one snapshot with the same key are hard links to one inode. Only set where the
   * format records it (restic: device_id + inode with links > 1).
   */
  readonly hardlinkKey?: string;
  readonly links?: number;
  /**
   * A stable id of this entry's content (restic: the subtree id of a dir, or a hash of the blob
   * list of a file; kopia: the object id). Equal ids mean equal content; used to memoise walks
   * and to compare snapshots without reading data.
   */
  readonly contentId?: string;
  /** format-private reference to the content; only the Repository that made it reads it */
  readonly ref: unknown;
}

export interface SnapshotSummary {
  files?: number;
  dirs?: number;
  /** total size of the files in bytes */
  bytes?: number;
  errors?: number;
}

export interface Snapshot {
  /** full id as the format prints it (restic: 64 hex; kopia: manifest id) */
  readonly id: string;
  /** the short form the format's own CLI shows */
  readonly shortId: string;
  readonly time: Date;
  /** nanosecond precision of `time` where the format has it */
  readonly timeNs: bigint;
  readonly endTime?: Date;
  readonly hostname: string;
  readonly username: string;
  /** what was backed up: restic paths, kopia's single source path */
  readonly paths: readonly string[];
  readonly tags: readonly string[];
  readonly description?: string;
  readonly parent?: string;
  readonly summary?: SnapshotSummary;
  /** format-private data (kept for --json output and for the repository) */
  readonly extra?: Record<string, unknown>;
  readonly ref: unknown;
}

export interface SnapshotFilter {
  hosts?: readonly string[];
  /** each element is a comma-separated AND group; groups are ORed (restic semantics) */
  tags?: readonly string[];
  paths?: readonly string[];
}

/** A piece of a file's content as stored: used for stats, resume and ranged reads. */
export interface ContentChunk {
  /** id of the chunk (restic blob id, kopia content id) */
  readonly id: string;
  /** offset of the chunk inside the file */
  readonly offset: number;
  /** plaintext length */
  readonly length: number;
  /** bytes it occupies in storage (encrypted, compressed), when the index says */
  readonly storedLength?: number;
}

export interface OpenOptions {
  /** fetch-ahead: chunks read in parallel (default 4) */
  concurrency?: number;
  signal?: AbortSignal;
}

export interface ReadFilesOptions extends OpenOptions {
  /**
   * Files larger than this many bytes come as pieces (`FilePiece`), each as soon as its chunk is
   * read, so a large file is never held whole and its chunks are read in storage order with the
   * other files' (default: every file whole).
   */
  piecesAbove?: number;
  /**
   * For a file read in pieces: a descriptor of its (temporary) file, open for writing, asked
   * for once before its first chunk is read. Whoever decodes a chunk (a worker thread) may then
   * write it there at once, and its piece comes with `written` (Node.js only). The descriptor
   * must stay open until the file's last piece or error is yielded, or the iteration ends.
   */
  pieceFd?: (file: number) => Promise<number>;
}

/**
 * One file of a `readFiles` call: its whole content, or why it could not be read, or one piece
 * of a file larger than `piecesAbove`.
 */
export type FileData =
  | {
      readonly index: number;
      readonly data: Uint8Array;
      readonly error?: undefined;
      readonly piece?: undefined;
    }
  | {
      readonly index: number;
      readonly error: Error;
      readonly data?: undefined;
      readonly piece?: undefined;
    }
  | FilePiece;

/**
 * A piece of a file read in pieces: `data` belongs at byte `start` of the file. Pieces come in
 * storage order, not file order; a chunk used twice comes twice (sharing its bytes). The piece
 * that completes the file has `last`. A file that fails after some of its pieces were yielded
 * is then yielded once with its `error` (no `last` piece), and nothing more of it. With
 * `written` the bytes are already in the file (`pieceFd`) and `data` is empty.
 */
export interface FilePiece {
  readonly index: number;
  readonly piece: true;
  readonly start: number;
  /** bytes of the file this piece covers */
  readonly length: number;
  readonly data: Uint8Array;
  readonly written: boolean;
  readonly last: boolean;
  readonly error?: undefined;
}

/** Raw objects `salvage cat` can show; names are the format's own words. */
export interface RawObjectKind {
  readonly name: string;
  readonly description: string;
  /** true when the kind needs an id (`cat blob <id>`), false for singletons (`cat config`) */
  readonly needsId: boolean;
}

/**
 * Something a reader noticed and dealt with while reading, reported through an `onEvent`
 * callback given when opening: data repaired from redundancy (kopia ECC), or a warning that
 * did not stop the read (an upgrade lock, an unreadable manifest skipped).
 */
export interface RepositoryEvent {
  readonly type: 'repaired' | 'warning';
  readonly message: string;
  readonly data?: Record<string, unknown>;
}

export interface RepositoryInfo {
  readonly format: RepositoryFormat;
  /** the repository's unique id */
  readonly id: string;
  /** format version (restic 1/2; kopia format version) */
  readonly version: number;
  readonly location: string;
  /** algorithm names and settings, for display */
  readonly settings: Record<string, string | number | boolean>;
}

export interface Repository {
  readonly info: RepositoryInfo;
  /** every snapshot, oldest first, filtered */
  snapshots(filter?: SnapshotFilter): Promise<Snapshot[]>;
  /** the root directory of a snapshot */
  root(snapshot: Snapshot): Promise<Entry>;
  /** the entries of a directory, streamed, in the format's stored order */
  list(dir: Entry): AsyncIterable<Entry>;
  /** a file's bytes, verified, streamed; bounded memory whatever the size */
  open(file: Entry, range?: ByteRange, options?: OpenOptions): ReadableStream<Uint8Array>;
  /**
   * Optional: the whole content of several files, verified, read in the order their chunks lie
   * in storage (neighbours in one request, shared chunks once). Yields each file once, by its
   * index in `files`, as soon as all its bytes are in: in no particular order. A file whose data
   * cannot be read is yielded with an `error`; the others still come. Every file of the call is
   * held in memory until yielded, so pass batches of bounded total size; files larger than
   * `piecesAbove` come in pieces instead and are never held whole.
   */
  readFiles?(files: readonly Entry[], options?: ReadFilesOptions): AsyncIterable<FileData>;
  /**
   * Optional: a hint that much file content (tens of MiB or more) is about to be read (a
   * restore, an archive): starts now what reading it needs (decode workers), so it is ready by
   * the first chunk. Without it, small reads run on the calling thread and workers start only
   * once enough has been read.
   */
  prepareReads?(): void;
  /**
   * Optional: a hint that these directories will be listed soon (a walk looking ahead): their
   * stored listings may be fetched now, a few at a time, so that `list` finds them in memory
   * instead of waiting for storage then. A hint never fails; errors come from `list`.
   */
  prefetchDirs?(dirs: readonly Entry[]): void;
  /** the stored chunks of a file, in order */
  chunks(file: Entry): AsyncIterable<ContentChunk>;
  /**
   * Optional: true when `data` is exactly the plaintext of `chunk`, judged by hashing it against
   * the chunk id (restic: SHA-256; kopia: its keyed content hash) without reading storage. Restore
   * uses it to keep content already on disk (resume, --overwrite) and for --verify.
   */
  chunkMatches?(chunk: ContentChunk, data: Uint8Array): boolean;
  /** raw objects for inspection (`salvage cat`) */
  rawKinds(): readonly RawObjectKind[];
  readRaw(kind: string, id?: string): Promise<Uint8Array>;
  close(): Promise<void>;
}
