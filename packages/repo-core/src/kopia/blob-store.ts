/**
 * Kopia's view of a Storage: blob ids instead of object keys. Handles both layouts kopia writes:
 * object stores (key = blob id) and sharded filesystem stores (`p/012/345….f`), detected from
 * what is there, so a filesystem repository uploaded to S3 (keys keep their shard paths) or
 * copied without its `.shards` file still opens. Read-only.
 * spec §2.2, §2.3; kopia repo/blob/sharded/sharded.go, repo/blob/s3/s3_storage.go
 */

import { MissingObjectError, RepositoryNotFoundError } from '../errors.js';
import type { ReadRange, Storage } from '../storage/storage.js';
import { blobId, type BlobId } from './ids.js';
import {
  LEGACY_SHARDS,
  parseShardParameters,
  shardedPath,
  type ShardParameters,
} from './shards.js';

export const FORMAT_BLOB_ID = blobId('kopia.repository');
const SUFFIX = '.f';

export interface BlobInfo {
  readonly id: BlobId;
  readonly size: number;
}

export type BlobLayout =
  | { readonly kind: 'flat' }
  | { readonly kind: 'sharded'; readonly params: ShardParameters; readonly fromFile: boolean };

export class KopiaBlobStore {
  /** blob id → storage key, learnt from listings (covers keys that disagree with `.shards`) */
  private readonly known = new Map<string, string>();
  /** first characters whose keys were fully listed into `known` */
  private readonly listedChars = new Set<string>();

  private constructor(
    readonly storage: Storage,
    readonly layout: BlobLayout,
  ) {}

  /** detect the layout; RepositoryNotFoundError when there is no `kopia.repository` */
  static async open(storage: Storage): Promise<KopiaBlobStore> {
    if (await storage.stat(FORMAT_BLOB_ID)) return new KopiaBlobStore(storage, { kind: 'flat' });
    if (!(await storage.stat(FORMAT_BLOB_ID + SUFFIX))) {
      throw new RepositoryNotFoundError(storage.location, 'it holds no kopia.repository');
    }
    const shards = await storage.stat('.shards');
    if (shards) {
      const params = parseShardParameters(await storage.read('.shards'));
      return new KopiaBlobStore(storage, { kind: 'sharded', params, fromFile: true });
    }
    return new KopiaBlobStore(storage, { kind: 'sharded', params: LEGACY_SHARDS, fromFile: false });
  }

  get location(): string {
    return this.storage.location;
  }

  /** the key kopia itself would use for this blob */
  keyOf(id: string): string {
    if (this.layout.kind === 'flat') return id;
    return shardedPath(this.layout.params, id) + SUFFIX;
  }

  /** blob id of a storage key, or undefined for non-blob files */
  private idOf(key: string): string | undefined {
    if (this.layout.kind === 'flat') {
      return key === '.storageconfig' || key.includes('/') ? undefined : key;
    }
    if (!key.endsWith(SUFFIX)) return undefined;
    return key.slice(0, -SUFFIX.length).replaceAll('/', '');
  }

  /**
   * Every blob whose id starts with `prefix`. Lists by the first character, which every layout
   * keeps at the start of the key whatever the shard sizes, then filters by id.
   */
  async *list(prefix: string): AsyncIterable<BlobInfo> {
    const first = prefix.slice(0, 1);
    const seen = new Set<string>();
    for await (const o of this.storage.list(first)) {
      const id = this.idOf(o.name);
      if (id === undefined || !id.startsWith(prefix) || seen.has(id)) continue;
      seen.add(id);
      if (o.name !== this.keyOf(id)) this.known.set(id, o.name);
      yield { id: blobId(id), size: o.size };
    }
  }

  private async findKey(id: string): Promise<string | undefined> {
    const k = this.known.get(id);
    if (k !== undefined) return k;
    const first = id.slice(0, 1);
    if (this.listedChars.has(first)) return undefined;
    this.listedChars.add(first);
    for await (const b of this.list(first)) void b;
    return this.known.get(id);
  }

  /** the blob's bytes or a range of them; MissingObjectError names the blob */
  async read(id: BlobId, range?: ReadRange): Promise<Uint8Array> {
    const key = this.known.get(id) ?? this.keyOf(id);
    try {
      return await this.storage.read(key, range);
    } catch (e) {
      if (!(e instanceof MissingObjectError)) throw e;
      const other = await this.findKey(id);
      if (other === undefined || other === key) {
        throw new MissingObjectError(`blob ${id}`, { blobId: id, key }, { cause: e });
      }
      return await this.storage.read(other, range);
    }
  }

  async stat(id: BlobId): Promise<BlobInfo | undefined> {
    const key = this.known.get(id) ?? this.keyOf(id);
    const info = await this.storage.stat(key);
    if (info) return { id, size: info.size };
    const other = await this.findKey(id);
    if (other === undefined || other === key) return undefined;
    const o = await this.storage.stat(other);
    return o ? { id, size: o.size } : undefined;
  }
}
