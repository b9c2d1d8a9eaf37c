/**
 * ls: the entries of a directory, or of a whole subtree (`recursive`), sorted within each
 * directory by name (default, byte order), size or mtime. Memory: one directory at a time.
 * restic `cmd/restic/cmd_ls.go`; kopia `cli/command_ls.go`.
 */

import type { Entry, Repository } from '../../model.js';
import { joinLocation } from '../walk/safe-name.js';

export type LsSort = 'name' | 'size' | 'mtime' | 'none';

export interface LsOptions {
  recursive?: boolean;
  sort?: LsSort;
  reverse?: boolean;
  signal?: AbortSignal;
}

export interface LsItem {
  /** '/'-rooted display path below the listed directory's parent path */
  path: string;
  entry: Entry;
  depth: number;
}

function compare(sort: LsSort): ((a: Entry, b: Entry) => number) | undefined {
  switch (sort) {
    case 'name':
      return (a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name));
    case 'size':
      return (a, b) => a.size - b.size || Buffer.compare(Buffer.from(a.name), Buffer.from(b.name));
    case 'mtime':
      return (a, b) => (a.mtimeNs < b.mtimeNs ? -1 : a.mtimeNs > b.mtimeNs ? 1 : 0);
    case 'none':
      return undefined;
  }
}

export async function* ls(
  repo: Pick<Repository, 'list'>,
  dir: Entry,
  base: string,
  options: LsOptions = {},
): AsyncIterable<LsItem> {
  const cmp = compare(options.sort ?? 'name');
  async function* inner(d: Entry, path: string, depth: number): AsyncIterable<LsItem> {
    const children: Entry[] = [];
    for await (const e of repo.list(d)) {
      options.signal?.throwIfAborted();
      children.push(e);
    }
    if (cmp) children.sort(cmp);
    if (options.reverse) children.reverse();
    for (const e of children) {
      const p = joinLocation(path, e.displayName);
      yield { path: p, entry: e, depth };
      if (options.recursive && e.type === 'dir') yield* inner(e, p, depth + 1);
    }
  }
  if (dir.type !== 'dir') {
    yield { path: base, entry: dir, depth: 0 };
    return;
  }
  yield* inner(dir, base === '' ? '/' : base, 1);
}
