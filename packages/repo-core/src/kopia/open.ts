/**
 * Opening a kopia repository: detect the blob layout, read and decrypt `kopia.repository`,
 * check `kopia.blobcfg`, build the hash, decryptor and ECC wrapper, and load the merged index.
 * spec §1 (read pipeline), §3; kopia repo/open.go, repo/format/format_manager.go
 */

import { zstdReady } from '../compress/zstd.js';
import { IntegrityError, MissingObjectError } from '../errors.js';
import type { RepositoryEvent } from '../model.js';
import type { Storage } from '../storage/storage.js';
import { FORMAT_BLOB_ID, KopiaBlobStore } from './blob-store.js';
import { createKopiaCodec } from './decode-content.js';
import {
  decryptBlobCfg,
  decryptFormatConfig,
  deriveFormatKey,
  parseFormatBlob,
  parseRepositoryConfig,
} from './format-blob.js';
import { blobId } from './ids.js';
import { loadContentIndex } from './index-loader.js';
import { KopiaRepository } from './repository.js';

export interface KopiaOpenOptions {
  readonly password: string;
  /** repairs (ECC) and warnings */
  readonly onEvent?: (e: RepositoryEvent) => void;
  /** re-hash every content against its id (default true) */
  readonly verifyHash?: boolean;
  /** report and skip unreadable manifest contents instead of failing (default false) */
  readonly skipBrokenManifests?: boolean;
  /** worker threads decoding data contents (default: util/run-pool.ts defaultDecodeThreads); 0 = inline */
  readonly decodeThreads?: number;
  /** smallest run span of data contents sent to the workers (default 64 KiB; 0 = every run) */
  readonly decodePoolMinBytes?: number;
  /** stored bytes decoded inline before the workers start (util/run-pool.ts; 0 for tests) */
  readonly decodeInlineFirstBytes?: number;
}

export async function openKopiaRepository(
  storage: Storage,
  options: KopiaOpenOptions,
): Promise<KopiaRepository> {
  const emit = options.onEvent ?? (() => undefined);
  const blobs = await KopiaBlobStore.open(storage);
  const formatBytes = await blobs.read(FORMAT_BLOB_ID);
  const outer = parseFormatBlob(formatBytes);
  // the zstd decoder (WebAssembly; kopia compresses metadata by default) loads and compiles
  // while scrypt runs, not when the first directory needs it
  void zstdReady();
  const formatKey = await deriveFormatKey(outer, options.password);
  const config = parseRepositoryConfig(decryptFormatConfig(outer, formatKey, storage.location));
  for (const w of config.warnings) emit({ type: 'warning', message: w });
  if (config.upgradeLock) {
    emit({
      type: 'warning',
      message: 'the repository carries a format upgrade lock; data may be mid-rewrite',
      data: { upgradeLock: config.upgradeLock },
    });
  }

  let blobCfg: Record<string, unknown> | undefined;
  try {
    blobCfg = decryptBlobCfg(await blobs.read(blobId('kopia.blobcfg')), outer, formatKey);
  } catch (e) {
    if (!(e instanceof MissingObjectError)) throw e;
  }

  const codec = await createKopiaCodec(config, emit);
  if (formatKey.length !== 32) throw new IntegrityError('format key derivation failed');

  const loaded = await loadContentIndex({
    blobs,
    decryptor: codec.decryptor,
    strip: codec.strip,
    epochs: config.epochsEnabled,
  });
  return new KopiaRepository({
    blobs,
    outer,
    formatBytes,
    config,
    blobCfg,
    codec,
    loaded,
    verifyHash: options.verifyHash ?? true,
    skipBrokenManifests: options.skipBrokenManifests ?? false,
    decodeThreads: options.decodeThreads,
    decodePoolMinBytes: options.decodePoolMinBytes,
    decodeInlineFirstBytes: options.decodeInlineFirstBytes,
    emit,
  });
}
