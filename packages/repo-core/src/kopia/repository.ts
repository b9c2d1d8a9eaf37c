/**
 * KopiaRepository: the model's Repository over a kopia repository. Snapshots from manifests,
 * directories streamed entry by entry, files streamed part by part (ranged reads fetch only
 * the covering contents), raw objects for `salvage cat`. Read-only: nothing here writes.
 * spec §1; kopia repo/repository.go, snapshot/snapshotfs/repofs.go
 */

import { MissingObjectError, UsageError } from '../errors.js';
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
import { readFilesInStorageOrder } from '../batch-read.js';
import { contentRunSource, objectLayout } from './batch-source.js';
import { decryptBlob } from './blob-crypto.js';
import type { KopiaBlobStore } from './blob-store.js';
import { compressionName } from './compression.js';
import { ContentReader } from './content-reader.js';
import type { KopiaCodec } from './decode-content.js';
import { KopiaDecodePool } from './decode-pool.js';
import {
  directoryBytes,
  readDirectory,
  toEntry,
  withLinkTarget,
  type KopiaEntryRef,
} from './directory.js';
import { Prefetcher } from '../util/prefetch.js';
import type { FormatBlobOuter, RepositoryConfig } from './format-blob.js';
import { blobId, contentId, toHex, type ObjectId } from './ids.js';
import type { LoadedIndex } from './index-loader.js';
import { findManifests, loadManifests, type ManifestSet } from './manifest.js';
import { MAX_METADATA_OBJECT, ObjectReader } from './object-reader.js';
import { sortSnapshots, toSnapshot, type KopiaSnapshotRef } from './snapshot.js';

export interface KopiaRepositoryParts {
  readonly blobs: KopiaBlobStore;
  readonly outer: FormatBlobOuter;
  readonly formatBytes: Uint8Array;
  readonly config: RepositoryConfig;
  readonly blobCfg: Record<string, unknown> | undefined;
  readonly codec: KopiaCodec;
  readonly loaded: LoadedIndex;
  readonly verifyHash: boolean;
  readonly skipBrokenManifests: boolean;
  readonly emit: (e: RepositoryEvent) => void;
  /** worker threads decoding data contents (default: util/run-pool.ts defaultDecodeThreads); 0 = inline */
  readonly decodeThreads?: number;
  /** smallest run span of data contents sent to the workers (content-reader.ts POOL_MIN_BYTES) */
  readonly decodePoolMinBytes?: number;
  /** stored bytes decoded inline before the workers start (util/run-pool.ts) */
  readonly decodeInlineFirstBytes?: number;
}

const RAW_KINDS: readonly RawObjectKind[] = [
  { name: 'format', description: 'kopia.repository as stored (clear JSON)', needsId: false },
  {
    name: 'config',
    description: 'the decrypted repository configuration, keys redacted',
    needsId: false,
  },
  { name: 'blobcfg', description: 'kopia.blobcfg, decrypted', needsId: false },
  { name: 'index', description: 'an index blob, decrypted (binary)', needsId: true },
  { name: 'manifest', description: 'a manifest entry by id (JSON)', needsId: true },
  { name: 'content', description: 'a content by id, decrypted and decompressed', needsId: true },
  { name: 'object', description: 'an object by id, reassembled', needsId: true },
  { name: 'blob', description: 'a storage blob as stored', needsId: true },
];

const MAX_RAW_OBJECT = 256 * 1024 * 1024;
const encode = (v: unknown) => new TextEncoder().encode(JSON.stringify(v, null, 2) + '\n');

function matchesFilter(s: Snapshot, f: SnapshotFilter | undefined): boolean {
  if (!f) return true;
  if (f.hosts?.length && !f.hosts.includes(s.hostname)) return false;
  if (f.paths?.length && !f.paths.some((p) => s.paths.includes(p))) return false;
  if (f.tags?.length) {
    const ok = f.tags.some((group) =>
      group
        .split(',')
        .filter((t) => t !== '')
        .every((t) => s.tags.includes(t)),
    );
    if (!ok) return false;
  }
  return true;
}

export class KopiaRepository implements Repository {
  readonly format = 'kopia' as const;
  readonly info: RepositoryInfo;
  readonly contents: ContentReader;
  readonly objects: ObjectReader;
  /** the data content decode pool (workers start with the first run sent) */
  readonly decodePool: KopiaDecodePool;
  /** directory objects a walk hinted it will list (prefetchDirs) */
  private readonly prefetched = new Prefetcher<Uint8Array>();
  private manifests: Promise<ManifestSet> | undefined;

  constructor(private readonly p: KopiaRepositoryParts) {
    this.decodePool = new KopiaDecodePool(
      { settings: p.config, verifyHash: p.verifyHash, codec: p.codec, emit: p.emit },
      { threads: p.decodeThreads, inlineFirstBytes: p.decodeInlineFirstBytes },
    );
    this.contents = new ContentReader({
      blobs: p.blobs,
      index: p.loaded.index,
      codec: p.codec,
      verifyHash: p.verifyHash,
      pool: this.decodePool,
      poolMinBytes: p.decodePoolMinBytes,
    });
    this.objects = new ObjectReader(this.contents);
    const c = p.config;
    this.info = {
      format: 'kopia',
      id: toHex(p.outer.uniqueId),
      version: c.version,
      location: p.blobs.location,
      settings: {
        hash: c.hash,
        encryption: c.encryption,
        ecc:
          c.ecc === '' || c.eccOverheadPercent === 0 ? 'none' : `${c.ecc} ${c.eccOverheadPercent}%`,
        keyDerivation: p.outer.keyAlgo,
        indexVersion: c.indexVersion,
        epochs: c.epochsEnabled,
        splitter: c.splitter,
        maxPackSize: c.maxPackSize,
        layout: p.blobs.layout.kind,
        buildVersion: p.outer.buildVersion,
        contents: p.loaded.index.count,
        indexBlobs: p.loaded.indexBlobs.length,
      },
    };
  }

  /** the live index blobs the content index was merged from */
  get indexBlobs(): readonly string[] {
    return this.p.loaded.indexBlobs;
  }

  /** the merged manifests (loaded once) */
  manifestSet(): Promise<ManifestSet> {
    this.manifests ??= loadManifests(this.contents, {
      skipBroken: this.p.skipBrokenManifests,
    }).then((set) => {
      for (const f of set.failures) {
        this.p.emit({
          type: 'warning',
          message: `manifest content ${f.contentId} is unreadable and was skipped`,
          data: { contentId: f.contentId },
        });
      }
      return set;
    });
    return this.manifests;
  }

  async snapshots(filter?: SnapshotFilter): Promise<Snapshot[]> {
    const set = await this.manifestSet();
    const list = findManifests(set, { type: 'snapshot' }).map(toSnapshot);
    return sortSnapshots(list.filter((s) => matchesFilter(s, filter)));
  }

  async root(snapshot: Snapshot): Promise<Entry> {
    const ref = snapshot.ref as KopiaSnapshotRef;
    if (!ref || ref.kind !== 'kopia') throw new UsageError('not a kopia snapshot');
    return withLinkTarget(this.objects, toEntry(ref.rootEntry, `snapshot ${snapshot.id}`));
  }

  private refOf(e: Entry): KopiaEntryRef {
    const ref = e.ref as KopiaEntryRef;
    if (!ref || ref.kind !== 'kopia')
      throw new UsageError(`entry ${e.displayName} is not from a kopia repository`);
    return ref;
  }

  async *list(dir: Entry): AsyncIterable<Entry> {
    const ref = this.refOf(dir);
    if (dir.type !== 'dir') throw new UsageError(`${dir.displayName} is not a directory`);
    if (!ref.objectId) return;
    const oid = ref.objectId;
    const doc = await readDirectory(this.objects, oid, this.prefetched.take(oid));
    for (const e of doc.entries()) yield await withLinkTarget(this.objects, e);
  }

  open(file: Entry, range?: ByteRange, options?: OpenOptions): ReadableStream<Uint8Array> {
    const ref = this.refOf(file);
    if (file.type !== 'file') throw new UsageError(`${file.displayName} is not a file`);
    if (!ref.objectId) {
      return new ReadableStream({ start: (c) => c.close() });
    }
    return this.objects.stream(ref.objectId, range, options?.concurrency ?? 4, options?.signal);
  }

  async *readFiles(files: readonly Entry[], options?: ReadFilesOptions): AsyncIterable<FileData> {
    const layouts = await Promise.all(
      files.map((f) => {
        const ref = this.refOf(f);
        if (f.type !== 'file') throw new UsageError(`${f.displayName} is not a file`);
        return objectLayout(this.objects, ref.objectId, f.size);
      }),
    );
    yield* readFilesInStorageOrder(layouts, contentRunSource(this.contents, this.objects), {
      concurrency: options?.concurrency,
      signal: options?.signal,
      describe: (i) => `file ${files[i]!.displayName}`,
      piecesAbove: options?.piecesAbove,
      pieceFd: options?.pieceFd,
    });
  }

  async *chunks(file: Entry): AsyncIterable<ContentChunk> {
    const ref = this.refOf(file);
    if (!ref.objectId) return;
    for (const part of await this.objects.parts(ref.objectId)) {
      const info = this.contents.info(part.content);
      yield {
        id: part.content,
        offset: part.start,
        length: part.length,
        storedLength: info.packedLength,
      };
    }
  }

  chunkMatches(chunk: ContentChunk, data: Uint8Array): boolean {
    const info = this.p.loaded.index.get(chunk.id);
    if (!info || data.length !== chunk.length) return false;
    return this.contents.matches(chunk.id, data);
  }

  rawKinds(): readonly RawObjectKind[] {
    return RAW_KINDS;
  }

  async readRaw(kind: string, id?: string): Promise<Uint8Array> {
    const need = (): string => {
      if (!id) throw new UsageError(`cat ${kind} needs an id`);
      return id;
    };
    switch (kind) {
      case 'format':
        return this.p.formatBytes;
      case 'config': {
        const c = this.p.config;
        return encode({
          ...c,
          secret: '(redacted)',
          masterKey: '(redacted)',
          compressionNames: undefined,
        });
      }
      case 'blobcfg':
        if (!this.p.blobCfg)
          throw new MissingObjectError('blob kopia.blobcfg', { blobId: 'kopia.blobcfg' });
        return encode(this.p.blobCfg);
      case 'index': {
        const b = blobId(need());
        return decryptBlob(
          b,
          await this.p.blobs.read(b),
          this.p.codec.decryptor,
          this.p.codec.strip,
        );
      }
      case 'manifest': {
        const m = (await this.manifestSet()).entries.get(need());
        if (!m) throw new MissingObjectError(`manifest ${id}`, { manifestId: id });
        return encode({ id: m.id, labels: m.labels, modified: m.modified, data: m.data });
      }
      case 'content':
        return this.contents.get(contentId(need()));
      case 'object':
        return this.objects.readAll(
          need() as ObjectId,
          Math.min(MAX_RAW_OBJECT, MAX_METADATA_OBJECT),
        );
      case 'blob':
        return this.p.blobs.read(blobId(need()));
      default:
        throw new UsageError(
          `unknown kind "${kind}"; kopia has ${RAW_KINDS.map((k) => k.name).join(', ')}`,
        );
    }
  }

  /** human name of a content's compression, for listings */
  static compressionOf(headerId: number): string {
    return headerId === 0 ? 'none' : (compressionName(headerId) ?? `0x${headerId.toString(16)}`);
  }

  prepareReads(): void {
    this.decodePool.warm();
  }

  prefetchDirs(dirs: readonly Entry[]): void {
    for (const d of dirs) {
      const oid = (d.ref as KopiaEntryRef | undefined)?.objectId;
      if (d.type === 'dir' && oid)
        this.prefetched.hint(oid, () => directoryBytes(this.objects, oid));
    }
  }

  async close(): Promise<void> {
    await this.decodePool.close();
    await this.p.blobs.storage.close();
  }
}
