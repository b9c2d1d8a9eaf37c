/**
 * openRepository: from a location (local path, `local:`, `s3:…`) or a ready Storage to a
 * Repository, detecting the format from what the location holds. Each format's code is
 * imported once that format is detected, so a bundle of an application (the CLI's) loads
 * only the format it reads.
 */

import { defaultCacheDir } from './cache/cache-dir.js';
import { portableCryptoReady } from './crypto/portable-module.js';
import {
  MissingObjectError,
  RepositoryNotFoundError,
  UsageError,
  WrongPasswordError,
} from './errors.js';
import type { Repository, RepositoryEvent } from './model.js';
import { CoalescingStorage } from './storage/coalesce.js';
import { LocalStorage } from './storage/local.js';
import { parseLocation } from './storage/location.js';
import { S3Storage, type S3Options } from './storage/s3.js';
import type { Storage } from './storage/storage.js';

export interface OpenRepositoryOptions {
  /**
   * the password, or candidates tried in order until one opens the repository (e.g. every
   * password variable a shell has set, for a repository of either format); WrongPasswordError
   * only when none does. Each wrong one costs a key derivation (~0.1–0.3 s).
   */
  password: string | readonly string[];
  /** local cache directory; default $XDG_CACHE_HOME/salvage; false disables the cache */
  cacheDir?: string | false;
  s3?: S3Options;
  /** restic: try key files whose id starts with this first */
  keyHint?: string;
  /** parallel metadata loads (default 8) */
  concurrency?: number;
  /** repairs (kopia ECC) and warnings met while reading */
  onEvent?: (e: RepositoryEvent) => void;
  /**
   * worker threads that verify and decode file data (default: one per core beyond the calling
   * thread's, up to 4; SALVAGE_DECODE_THREADS overrides the default); 0 decodes on the calling
   * thread only, e.g. inside a server that bounds its own threads
   */
  decodeThreads?: number;
}

/** Build the Storage a location string names. */
export function storageForLocation(location: string, s3?: S3Options): Storage {
  const loc = parseLocation(location);
  if (loc.kind === 'local') return new LocalStorage(loc.path);
  // S3: merge nearby ranged reads of one object (a restore's many small files) into one GET
  return new CoalescingStorage(new S3Storage(loc, s3));
}

export async function openRepository(
  location: string | Storage,
  options: OpenRepositoryOptions,
): Promise<Repository> {
  const storage =
    typeof location === 'string' ? storageForLocation(location, options.s3) : location;
  const cacheDir = options.cacheDir === false ? undefined : (options.cacheDir ?? defaultCacheDir());
  const passwords = typeof options.password === 'string' ? [options.password] : options.password;
  try {
    if (passwords.length === 0) throw new UsageError('no password given');
    await portableCryptoReady();
    // restic: a `config` object at the root (restic spec §5.4)
    if (await storage.stat('config')) {
      const { ResticRepository } = await import('./restic/repository.js');
      return await firstThatOpens(storage.location, passwords, (password) =>
        ResticRepository.open(storage, {
          password,
          keyHint: options.keyHint,
          cacheDir,
          concurrency: options.concurrency,
          decodeThreads: options.decodeThreads,
          ...(options.onEvent ? { onEvent: options.onEvent } : {}),
        }),
      );
    }

    // kopia: `kopia.repository` at the root, as an object-store key or a filesystem `.f` file
    if ((await storage.stat('kopia.repository')) || (await storage.stat('kopia.repository.f'))) {
      const { openKopiaRepository } = await import('./kopia/open.js');
      return await firstThatOpens(storage.location, passwords, (password) =>
        openKopiaRepository(storage, {
          password,
          decodeThreads: options.decodeThreads,
          ...(options.onEvent ? { onEvent: options.onEvent } : {}),
        }),
      );
    }

    throw new RepositoryNotFoundError(storage.location);
  } catch (e) {
    await storage.close().catch(() => undefined);
    if (e instanceof MissingObjectError && e.data.name === 'config')
      throw new RepositoryNotFoundError(storage.location, 'config disappeared', { cause: e });
    throw e;
  }
}

/** each candidate in turn; a wrong one moves on, any other failure ends the search */
async function firstThatOpens(
  location: string,
  passwords: readonly string[],
  open: (password: string) => Promise<Repository>,
): Promise<Repository> {
  let first: WrongPasswordError | undefined;
  for (const password of passwords) {
    try {
      return await open(password);
    } catch (e) {
      if (!(e instanceof WrongPasswordError)) throw e;
      first ??= e;
    }
  }
  if (passwords.length === 1) throw first!;
  throw new WrongPasswordError(location, {
    cause: first,
    tried: first?.data.tried as number | undefined,
    passwords: passwords.length,
  });
}
