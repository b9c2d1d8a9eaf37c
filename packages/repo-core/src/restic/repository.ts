/**
 * ResticRepository: the model `Repository` over a restic repository (spec §5–§14).
 * Open = config present, key search, config decrypted. Snapshots are listed before the index is
 * loaded (spec §2.3); the index is loaded once, all files concurrently, on first need. Data
 * blobs decode in a pool of worker threads (decode-pool.ts) that close() ends.
 */

import { DiskBlobCache, type BlobCache } from '../cache/blob-cache.js';
import { repositoryCacheDir } from '../cache/cache-dir.js';
import { CachedStorage } from '../cache/cached-storage.js';
import { zstdReady } from '../compress/zstd.js';
import { IntegrityError, UsageError } from '../errors.js';
import type {
  ByteRange,
  ContentChunk,
  Entry,
  FileData,
  ReadFilesOptions,
  OpenOptions,
  RawObjectKind,
  Repository,
  RepositoryEvent,
  RepositoryInfo,
  Snapshot,
  SnapshotFilter,
} from '../model.js';
import { filterSnapshots } from '../snapshot-select.js';
import type { Storage } from '../storage/storage.js';
import { BlobIndexBuilder, plainLength, type BlobIndex, type BlobLocation } from './blob-index.js';
import { readFilesInStorageOrder } from '../batch-read.js';
import { blobRunSource, fileLayout } from './batch-source.js';
import { BlobLoader } from './blob-loader.js';
import { mapLimit } from './concurrency.js';
import { DecodePool } from './decode-pool.js';
import { parseConfig, type ResticConfig } from './config.js';
import type { ResticKey } from './crypto.js';
import { layoutFile, openFileStream } from './file-stream.js';
import { isHex64 } from './ids.js';
import { sha256Hex } from '../crypto/sha256.js';
import { addIndexFile } from './index-file.js';
import { searchKey } from './keys.js';
import { CONFIG, fileName, listIds } from './layout.js';
import type { ResticRef } from './node.js';
import { parseSnapshot, type ResticSnapshotRef } from './snapshot.js';
import { Prefetcher } from '../util/prefetch.js';
import { parseTree } from './tree.js';
import { decryptOrThrow, loadUnpacked, MAX_UNPACKED_SIZE, parseJsonBytes } from './unpacked.js';

/** Refuse unpacked files too large to load whole (a hostile listing cannot make us buffer GiBs). */
function checkSizes<T extends { id: string; size: number }>(files: T[], kind: string): T[] {
  for (const f of files)
    if (f.size > MAX_UNPACKED_SIZE)
      throw new IntegrityError(
        `${kind}/${f.id} is ${f.size} bytes, larger than any restic ${kind} file can be`,
        { name: `${kind}/${f.id}`, size: f.size },
      );
  return files;
}

export interface ResticOpenOptions {
  password: string;
  keyHint?: string;
  /** local cache directory (all repositories); undefined = no cache */
  cacheDir?: string;
  /** parallel index/snapshot loads (default 8) */
  concurrency?: number;
  /** warnings met while reading (legacy index files, unusable key files) */
  onEvent?: (e: RepositoryEvent) => void;
  /** worker threads decoding data blobs (default: decode-pool.ts defaultDecodeThreads); 0 = inline */
  decodeThreads?: number;
  /** smallest run of data blobs sent to those threads (default 64 KiB; 0 = all, for tests) */
  decodePoolMinBytes?: number;
  /** stored bytes decoded inline before the threads start (util/run-pool.ts; 0 for tests) */
  decodeInlineFirstBytes?: number;
}

export interface IndexLoadStats {
  files: number;
  packs: number;
  blobs: number;
  legacyFiles: number;
}

export class ResticRepository implements Repository {
  readonly info: RepositoryInfo;
  #index: Promise<BlobIndex> | undefined;
  #loader: Promise<BlobLoader> | undefined;
  #pool: DecodePool | undefined;
  /** tree blobs a walk hinted it will list (prefetchDirs) */
  readonly #prefetched = new Prefetcher<Uint8Array>();
  indexStats: IndexLoadStats | undefined;

  private constructor(
    readonly storage: Storage,
    readonly key: ResticKey,
    readonly keyId: string,
    readonly config: ResticConfig,
    readonly options: ResticOpenOptions,
    readonly blobCache?: BlobCache,
  ) {
    this.info = {
      format: 'restic',
      id: config.id,
      version: config.version,
      location: storage.location,
      settings: {
        version: config.version,
        compression: config.version >= 2 ? 'zstd' : 'none',
        keyId: keyId,
        ...(config.chunkerPolynomial !== undefined
          ? { chunkerPolynomial: config.chunkerPolynomial.toString(16) }
          : {}),
      },
    };
  }

  static async open(storage: Storage, options: ResticOpenOptions): Promise<ResticRepository> {
    const configBytes = await storage.read(CONFIG);
    if (configBytes.length === 0) throw new IntegrityError('config file has zero size');
    // the zstd decoder (WebAssembly) loads and compiles while scrypt runs, not after it
    void zstdReady();
    const { keyId, master, skipped } = await searchKey(storage, options.password, {
      keyHint: options.keyHint,
    });
    for (const k of skipped)
      options.onEvent?.({
        type: 'warning',
        message: `key file ${k.keyId} could not be used: ${k.reason}`,
        data: { keyId: k.keyId },
      });
    const plain = decryptOrThrow(master, configBytes, `config (or key ${keyId}) is damaged`);
    const config = parseConfig(plain);
    let blobCache: BlobCache | undefined;
    let readStorage = storage;
    if (options.cacheDir) {
      const dir = repositoryCacheDir(options.cacheDir, 'restic', config.id);
      readStorage = new CachedStorage(storage, dir);
      blobCache = new DiskBlobCache(dir);
    }
    return new ResticRepository(readStorage, master, keyId, config, options, blobCache);
  }

  get #limit(): number {
    return this.options.concurrency ?? 8;
  }

  /** Parsed snapshot files by id: they are immutable, so a new listing only loads new ones. */
  readonly #snapshotCache = new Map<string, Snapshot>();

  async snapshots(filter?: SnapshotFilter): Promise<Snapshot[]> {
    const ids = checkSizes(await listIds(this.storage, 'snapshots'), 'snapshots');
    const snaps = await mapLimit(ids, this.#limit, async ({ id }) => {
      const known = this.#snapshotCache.get(id);
      if (known) return known;
      const s = parseSnapshot(
        id,
        parseJsonBytes(await this.#loadUnpacked('snapshots', id), `snapshots/${id}`),
      );
      this.#snapshotCache.set(id, s);
      return s;
    });
    return filterSnapshots(snaps, filter);
  }

  #loadUnpacked(kind: 'snapshots' | 'index', id: string): Promise<Uint8Array> {
    return loadUnpacked(this.storage, this.key, this.config.version, kind, id);
  }

  /** The blob index, loaded on first use from every index file. */
  index(): Promise<BlobIndex> {
    this.#index ??= this.#loadIndex();
    return this.#index;
  }

  async #loadIndex(): Promise<BlobIndex> {
    const ids = checkSizes(await listIds(this.storage, 'index'), 'index');
    const builder = new BlobIndexBuilder();
    const stats: IndexLoadStats = { files: ids.length, packs: 0, blobs: 0, legacyFiles: 0 };
    await mapLimit(ids, this.#limit, async ({ id }) => {
      const what = `index/${id}`;
      const doc = parseJsonBytes(await this.#loadUnpacked('index', id), what);
      const s = addIndexFile(doc, builder, this.config.version, what);
      stats.packs += s.packs;
      stats.blobs += s.blobs;
      if (s.legacy) {
        stats.legacyFiles++;
        this.options.onEvent?.({
          type: 'warning',
          message: `${what} uses the legacy index format (restic < 0.2.0); read anyway`,
          data: { index: id },
        });
      }
    });
    this.indexStats = stats;
    return builder.build();
  }

  /** the data blob decode pool, once the blob loader exists (for tests and diagnostics) */
  get decodePool(): DecodePool | undefined {
    return this.#pool;
  }

  #decodePool(): DecodePool {
    this.#pool ??= new DecodePool(this.key, {
      threads: this.options.decodeThreads,
      inlineFirstBytes: this.options.decodeInlineFirstBytes,
    });
    return this.#pool;
  }

  prepareReads(): void {
    this.#decodePool().warm();
  }

  prefetchDirs(dirs: readonly Entry[]): void {
    for (const d of dirs) {
      const ref = d.ref as ResticRef | undefined;
      if (d.type !== 'dir' || ref?.kind !== 'dir') continue;
      const id = ref.subtree;
      this.#prefetched.hint(id, async () => (await this.loader()).load('tree', id));
    }
  }

  loader(): Promise<BlobLoader> {
    this.#loader ??= this.index().then((idx) => {
      // workers start with the first run sent, or with prepareReads
      const pool = this.#decodePool();
      return new BlobLoader(this.storage, this.key, idx, this.blobCache, {
        pool,
        poolMinBytes: this.options.decodePoolMinBytes,
      });
    });
    return this.#loader;
  }

  async root(snapshot: Snapshot): Promise<Entry> {
    const ref = snapshot.ref as ResticSnapshotRef;
    if (!ref || typeof ref.tree !== 'string')
      throw new UsageError('snapshot does not come from a restic repository');
    const dirRef: ResticRef = { kind: 'dir', subtree: ref.tree };
    return {
      name: new Uint8Array(),
      displayName: '/',
      type: 'dir',
      mode: 0o755,
      size: 0,
      mtimeNs: snapshot.timeNs,
      contentId: ref.tree,
      ref: dirRef,
    };
  }

  async *list(dir: Entry): AsyncIterable<Entry> {
    const ref = dir.ref as ResticRef;
    if (dir.type !== 'dir' || ref?.kind !== 'dir')
      throw new UsageError(`${dir.displayName} is not a directory`);
    const loader = await this.loader();
    const bytes = await (this.#prefetched.take(ref.subtree) ?? loader.load('tree', ref.subtree));
    yield* parseTree(bytes, ref.subtree);
  }

  /** Decoded tree blob bytes (for check and cat). */
  async loadBlob(type: 'tree' | 'data', id: string): Promise<Uint8Array> {
    return (await this.loader()).load(type, id);
  }

  open(file: Entry, range?: ByteRange, options?: OpenOptions): ReadableStream<Uint8Array> {
    const ref = file.ref as ResticRef;
    if (file.type !== 'file' || ref?.kind !== 'file')
      throw new UsageError(`${file.displayName} is not a regular file`);
    let inner: ReadableStream<Uint8Array> | undefined;
    let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
    // the index loads asynchronously; wrap so open() itself stays synchronous
    return new ReadableStream<Uint8Array>(
      {
        start: async () => {
          const loader = await this.loader();
          inner = openFileStream(loader, ref.content, range, options);
          reader = inner.getReader();
        },
        pull: async (controller) => {
          const r = await reader!.read();
          if (r.done) controller.close();
          else controller.enqueue(r.value);
        },
        cancel: async (reason) => {
          await reader?.cancel(reason);
        },
      },
      { highWaterMark: 0 },
    );
  }

  async *readFiles(files: readonly Entry[], options?: ReadFilesOptions): AsyncIterable<FileData> {
    const loader = await this.loader();
    // blob locations found while laying files out, reused when planning and fetching runs
    const located = new Map<string, BlobLocation>();
    const layouts = files.map((f) => {
      const ref = f.ref as ResticRef;
      if (f.type !== 'file' || ref?.kind !== 'file')
        throw new UsageError(`${f.displayName} is not a regular file`);
      return fileLayout(loader, ref.content, f.size, located);
    });
    yield* readFilesInStorageOrder(layouts, blobRunSource(loader, located), {
      concurrency: options?.concurrency,
      signal: options?.signal,
      describe: (i) => `file ${files[i]!.displayName}`,
      piecesAbove: options?.piecesAbove,
      pieceFd: options?.pieceFd,
    });
  }

  async *chunks(file: Entry): AsyncIterable<ContentChunk> {
    const ref = file.ref as ResticRef;
    if (file.type !== 'file' || ref?.kind !== 'file')
      throw new UsageError(`${file.displayName} is not a regular file`);
    const loader = await this.loader();
    for (const b of layoutFile(loader, ref.content))
      yield { id: b.loc.id, offset: b.start, length: b.length, storedLength: b.loc.length };
  }

  /** A data blob's id is the SHA-256 of its plaintext (spec §3): check without any I/O. */
  chunkMatches(chunk: ContentChunk, data: Uint8Array): boolean {
    return data.length === chunk.length && isHex64(chunk.id) && sha256Hex(data) === chunk.id;
  }

  rawKinds(): readonly RawObjectKind[] {
    return RAW_KINDS;
  }

  async readRaw(kind: string, id?: string): Promise<Uint8Array> {
    if (kind === 'config') {
      return decryptOrThrow(this.key, await this.storage.read(CONFIG), 'config');
    }
    if (!id || !isHex64(id)) throw new UsageError(`cat ${kind} needs a full 64-character id`);
    const lid = id.toLowerCase();
    switch (kind) {
      case 'key':
        return this.storage.read(fileName('keys', lid));
      case 'snapshot':
        return this.#loadUnpacked('snapshots', lid);
      case 'index':
        return this.#loadUnpacked('index', lid);
      case 'tree':
        return this.loadBlob('tree', lid);
      case 'blob':
        return this.loadBlob('data', lid);
      default:
        throw new UsageError(
          `unknown object kind ${JSON.stringify(kind)}; one of ${RAW_KINDS.map((k) => k.name).join(', ')}`,
        );
    }
  }

  /** Plaintext size of a file from its blob list (differs from node size only if damaged). */
  async contentLength(file: Entry): Promise<number> {
    const ref = file.ref as ResticRef;
    if (ref?.kind !== 'file') return 0;
    const loader = await this.loader();
    let n = 0;
    for (const id of ref.content) n += plainLength(loader.locate('data', id)[0]!);
    return n;
  }

  async close(): Promise<void> {
    await this.#pool?.close();
    await this.storage.close();
  }
}

const RAW_KINDS: readonly RawObjectKind[] = [
  { name: 'config', description: 'the decrypted repository config (JSON)', needsId: false },
  { name: 'key', description: 'a key file as stored (JSON, not encrypted)', needsId: true },
  { name: 'snapshot', description: 'a decrypted snapshot file (JSON)', needsId: true },
  { name: 'index', description: 'a decrypted index file (JSON)', needsId: true },
  { name: 'tree', description: 'a tree blob (JSON)', needsId: true },
  { name: 'blob', description: 'a data blob (raw bytes)', needsId: true },
];
