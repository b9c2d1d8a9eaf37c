/**
 * A path inside a snapshot (`/home/user/x`, the part after `SNAPSHOT:`) → its Entry, walking one
 * component at a time from the root, matching names by their display form or exact bytes.
 * restic `internal/restic/tree.go` (FindTreeDirectory): "path … not found", "… not a directory".
 */

import { PathNotFoundError } from '../../errors.js';
import type { Entry, Repository } from '../../model.js';

export async function resolvePath(
  repo: Pick<Repository, 'list'>,
  root: Entry,
  path: string,
): Promise<Entry> {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  let cur = root;
  let walked = '';
  for (const part of parts) {
    if (cur.type !== 'dir') {
      throw new PathNotFoundError(`path ${walked || '/'} is not a directory`, { path });
    }
    let next: Entry | undefined;
    for await (const e of repo.list(cur)) {
      if (e.displayName === part || Buffer.from(e.name).equals(Buffer.from(part))) {
        next = e;
        break;
      }
    }
    walked += '/' + part;
    if (!next) throw new PathNotFoundError(`path ${walked} not found in snapshot`, { path });
    cur = next;
  }
  return cur;
}

/** splits `SNAPSHOT:path` (the path may hold more colons) */
export function splitSnapshotPath(arg: string): { snapshot: string; path: string } {
  const i = arg.indexOf(':');
  if (i < 0) return { snapshot: arg, path: '' };
  return { snapshot: arg.slice(0, i), path: arg.slice(i + 1) };
}
