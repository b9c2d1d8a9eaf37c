/**
 * The one walker behind restore, dump, ls and find: a depth-first traversal of a snapshot (sub)tree
 * in stored order, applying the include/exclude select function and refusing unsafe names and
 * duplicate names in one directory before any sink sees them. Sinks get awaited callbacks, so a
 * slow sink slows the walk (bounded memory). Each directory's entries are read LOOKAHEAD ahead and
 * the subdirectories among them that the walk will enter are hinted to the repository
 * (`prefetchDirs`), so their listings are fetched while the walk is busy with earlier ones.
 * restic `internal/restorer/restorer.go` (traverseTreeInner: name checks, sockets skipped,
 * enterDir/visitNode/leaveDir).
 */

import type { Entry, Repository } from '../../model.js';
import { selectAll, type SelectFn } from '../filter/select.js';
import { joinBytes, joinLocation, unsafeNameReason } from './safe-name.js';

export interface WalkItem {
  readonly entry: Entry;
  /** raw path bytes relative to the walk root ('' for the root), '/'-joined */
  readonly path: Buffer;
  /** '/'-rooted display path inside the walked tree (`/` for the root) */
  readonly location: string;
  readonly depth: number;
}

export interface WalkSink {
  /** before a selected directory's children; the root comes with depth 0 */
  enterDir?(item: WalkItem): Promise<void> | void;
  /** after a directory whose own entry or some child was selected; names: every child name */
  leaveDir?(item: WalkItem, childNames: readonly Buffer[]): Promise<void> | void;
  /** a selected non-directory entry */
  visit?(item: WalkItem): Promise<void> | void;
  /** an entry the walk refused (unsafe or duplicate name); the walk goes on */
  refuse?(location: string, reason: string, entry: Entry): void;
}

export interface WalkOptions {
  select?: SelectFn;
  signal?: AbortSignal;
  /** skip sockets like restic's restore does (default true) */
  skipSockets?: boolean;
  /** collect child names for leaveDir (restore --delete); default false */
  collectNames?: boolean;
}

export async function walk(
  repo: Pick<Repository, 'list' | 'prefetchDirs'>,
  root: Entry,
  sink: WalkSink,
  options: WalkOptions = {},
): Promise<void> {
  const select = options.select ?? selectAll;
  const rootItem: WalkItem = { entry: root, path: Buffer.alloc(0), location: '/', depth: 0 };
  await sink.enterDir?.(rootItem);
  const names = await walkDir(repo, rootItem, sink, select, options);
  if (names.restored) await sink.leaveDir?.(rootItem, names.names);
}

async function walkDir(
  repo: Pick<Repository, 'list' | 'prefetchDirs'>,
  dir: WalkItem,
  sink: WalkSink,
  select: SelectFn,
  options: WalkOptions,
): Promise<{ names: Buffer[]; restored: boolean }> {
  const seen = new Set<string>();
  const names: Buffer[] = [];
  let restored = false;
  for await (const batch of listAhead(repo, dir, select))
    for (const entry of batch) {
      options.signal?.throwIfAborted();
      const location = joinLocation(dir.location, entry.displayName);
      const why = unsafeNameReason(entry.name);
      if (why !== undefined) {
        sink.refuse?.(location, why, entry);
        continue;
      }
      const key = Buffer.from(entry.name).toString('latin1');
      if (seen.has(key)) {
        sink.refuse?.(location, 'duplicate name in one directory', entry);
        continue;
      }
      seen.add(key);
      if (options.collectNames) names.push(Buffer.from(entry.name));
      if (entry.type === 'socket' && options.skipSockets !== false) continue;
      const isDir = entry.type === 'dir';
      const { selected, descend } = select(location, isDir);
      const item: WalkItem = {
        entry,
        path: joinBytes(dir.path, entry.name),
        location,
        depth: dir.depth + 1,
      };
      if (selected) restored = true;
      if (isDir) {
        if (selected) await sink.enterDir?.(item);
        let childRestored = false;
        let childNames: Buffer[] = [];
        if (descend) {
          const r = await walkDir(repo, item, sink, select, options);
          childRestored = r.restored;
          childNames = r.names;
          if (childRestored) restored = true;
        }
        if (selected || childRestored) await sink.leaveDir?.(item, childNames);
        continue;
      }
      if (selected) await sink.visit?.(item);
    }
  return { names, restored };
}

/** entries of a directory read ahead of the walk, so the subdirectories among them are hinted */
export const LOOKAHEAD = 64;

/**
 * `repo.list(dir)` in batches of LOOKAHEAD entries (one await per batch, not per entry), each
 * batch's subdirectories that the walk will enter hinted to the repository before it is handed on
 */
async function* listAhead(
  repo: Pick<Repository, 'list' | 'prefetchDirs'>,
  dir: WalkItem,
  select: SelectFn,
): AsyncGenerator<Entry[]> {
  const it = repo.list(dir.entry)[Symbol.asyncIterator]();
  try {
    for (;;) {
      const batch: Entry[] = [];
      let failure: { error: unknown } | undefined;
      try {
        while (batch.length < LOOKAHEAD) {
          const r = await it.next();
          if (r.done) break;
          batch.push(r.value);
        }
      } catch (error) {
        failure = { error }; // the entries before it still reach the walk, as without a batch
      }
      if (repo.prefetchDirs) {
        const dirs = batch.filter(
          (e) =>
            e.type === 'dir' &&
            unsafeNameReason(e.name) === undefined &&
            select(joinLocation(dir.location, e.displayName), true).descend,
        );
        if (dirs.length > 0) repo.prefetchDirs(dirs);
      }
      if (batch.length > 0) yield batch;
      if (failure) throw failure.error;
      if (batch.length < LOOKAHEAD) return;
    }
  } finally {
    await it.return?.();
  }
}
