/**
 * Where the local cache lives: `$XDG_CACHE_HOME/salvage`, else `~/.cache/salvage`; one
 * subdirectory per repository id (like restic's cache).
 */

import { homedir } from 'node:os';
import { join } from 'node:path';

export function defaultCacheDir(env: Record<string, string | undefined> = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg && xdg !== '' ? xdg : join(homedir(), '.cache'), 'salvage');
}

export function repositoryCacheDir(base: string, format: string, repoId: string): string {
  if (!/^[0-9a-zA-Z_-]{1,128}$/.test(repoId)) throw new RangeError('bad repository id for cache');
  return join(base, `${format}-${repoId}`);
}
