/**
 * diff: what changed between two snapshot trees, as restic diff reports it: `+` added, `-`
 * removed, `M` content modified, `U` metadata only (mode, owner, mtime), `T` type changed.
 * Subtrees with equal contentIds are skipped without listing them.
 * restic `cmd/restic/cmd_diff.go`.
 */

import type { Entry, Repository } from '../../model.js';
import { joinLocation } from '../walk/safe-name.js';

export type DiffKind = 'added' | 'removed' | 'modified' | 'metadata' | 'type';

export interface DiffItem {
  kind: DiffKind;
  path: string;
  before?: Entry;
  after?: Entry;
}

export interface DiffOptions {
  /** also report metadata-only changes (default true) */
  metadata?: boolean;
  signal?: AbortSignal;
}

async function byName(
  repo: Pick<Repository, 'list'>,
  dir: Entry | undefined,
): Promise<Map<string, Entry>> {
  const m = new Map<string, Entry>();
  if (!dir || dir.type !== 'dir') return m;
  for await (const e of repo.list(dir)) m.set(Buffer.from(e.name).toString('latin1'), e);
  return m;
}

function sameMetadata(a: Entry, b: Entry): boolean {
  return a.mode === b.mode && a.uid === b.uid && a.gid === b.gid && a.mtimeNs === b.mtimeNs;
}

function sameContent(a: Entry, b: Entry): boolean {
  if (a.type === 'symlink')
    return Buffer.from(a.linkTarget ?? []).equals(Buffer.from(b.linkTarget ?? []));
  if (a.contentId !== undefined && b.contentId !== undefined)
    return a.contentId === b.contentId && a.size === b.size;
  return false;
}

export async function* diff(
  repo: Pick<Repository, 'list'>,
  before: Entry,
  after: Entry,
  options: DiffOptions = {},
): AsyncIterable<DiffItem> {
  const meta = options.metadata !== false;

  async function* whole(
    kind: 'added' | 'removed',
    e: Entry,
    path: string,
  ): AsyncIterable<DiffItem> {
    yield kind === 'added' ? { kind, path, after: e } : { kind, path, before: e };
    if (e.type === 'dir') {
      for await (const c of repo.list(e)) yield* whole(kind, c, joinLocation(path, c.displayName));
    }
  }

  async function* dirs(a: Entry, b: Entry, path: string): AsyncIterable<DiffItem> {
    if (a.contentId !== undefined && a.contentId === b.contentId) return;
    const [ma, mb] = await Promise.all([byName(repo, a), byName(repo, b)]);
    const names = [...new Set([...ma.keys(), ...mb.keys()])].sort((x, y) =>
      Buffer.compare(Buffer.from(x, 'latin1'), Buffer.from(y, 'latin1')),
    );
    for (const n of names) {
      options.signal?.throwIfAborted();
      const ea = ma.get(n);
      const eb = mb.get(n);
      const p = joinLocation(path, (eb ?? ea)!.displayName);
      if (!ea) {
        yield* whole('added', eb!, p);
        continue;
      }
      if (!eb) {
        yield* whole('removed', ea, p);
        continue;
      }
      if (ea.type !== eb.type) {
        yield { kind: 'type', path: p, before: ea, after: eb };
        continue;
      }
      if (ea.type === 'dir') {
        if (meta && !sameMetadata(ea, eb))
          yield { kind: 'metadata', path: p, before: ea, after: eb };
        yield* dirs(ea, eb, p);
        continue;
      }
      if (!sameContent(ea, eb)) yield { kind: 'modified', path: p, before: ea, after: eb };
      else if (meta && !sameMetadata(ea, eb))
        yield { kind: 'metadata', path: p, before: ea, after: eb };
    }
  }

  yield* dirs(before, after, '/');
}
