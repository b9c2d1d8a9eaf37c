/**
 * Reads a snapshot through the model API only (Repository.list / open) and compares it with a
 * manifest: every entry's type, mode, uid/gid, mtime, link target, hard-link grouping, and every
 * file's size and SHA-256 of the bytes read. Format-agnostic: restic and kopia tests share it.
 * Differences a format cannot avoid are explained by the `expectedDifferences` rule tokens
 * (compare-tree.ts); what remains is returned, one line per difference (empty = match).
 */
import { createHash } from 'node:crypto';

import type { Entry, Repository, Snapshot } from '@salvage/repo-core';

import { diffEntries, explainDifferences } from './compare-tree.js';
import type { ManifestEntry, ManifestEntryType, SnapshotManifest } from './types.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** SHA-256 and length of a stream, read chunk by chunk. */
export async function hashStream(
  stream: ReadableStream<Uint8Array>,
): Promise<{ sha256: string; size: number }> {
  const h = createHash('sha256');
  let size = 0;
  const reader = stream.getReader();
  for (;;) {
    const r = await reader.read();
    if (r.done) break;
    h.update(r.value);
    size += r.value.length;
  }
  return { sha256: h.digest('hex'), size };
}

/** Walk a snapshot into manifest-shaped entries (the root itself is path ''). */
export async function readSnapshotEntries(
  repo: Repository,
  snapshot: Snapshot,
  options: { concurrency?: number } = {},
): Promise<ManifestEntry[]> {
  const out: ManifestEntry[] = [];
  const groups = new Map<string, number>();
  // file reads run a few at a time (one request each on S3); the walk itself stays in order
  const limit = options.concurrency ?? 8;
  const running = new Set<Promise<void>>();
  const schedule = async (job: () => Promise<void>) => {
    while (running.size >= limit) await Promise.race(running);
    const p = job().finally(() => running.delete(p));
    running.add(p);
  };
  const visit = async (entry: Entry, pathBytes: Uint8Array) => {
    const e: ManifestEntry = {
      path: Buffer.from(pathBytes).toString('utf8'),
      pathHex: hex(pathBytes),
      type: entry.type === 'unknown' ? 'file' : (entry.type as ManifestEntryType),
      mode: entry.mode,
      uid: entry.uid ?? 0,
      gid: entry.gid ?? 0,
      mtimeNs: entry.mtimeNs.toString(),
    };
    if (entry.type === 'file') {
      await schedule(async () => {
        const { sha256, size } = await hashStream(repo.open(entry));
        e.sha256 = sha256;
        // content and recorded size disagree: report it as a size difference
        e.size = size === entry.size ? size : -1;
      });
      if (entry.hardlinkKey !== undefined) {
        if (!groups.has(entry.hardlinkKey)) groups.set(entry.hardlinkKey, groups.size + 1);
        e.hardlinkGroup = groups.get(entry.hardlinkKey);
      }
    }
    if (entry.type === 'symlink') e.targetHex = hex(entry.linkTarget ?? new Uint8Array());
    out.push(e);
    if (entry.type === 'dir') {
      for await (const child of repo.list(entry)) {
        const sep = pathBytes.length ? [0x2f] : [];
        await visit(child, Uint8Array.from([...pathBytes, ...sep, ...child.name]));
      }
    }
  };
  await visit(await repo.root(snapshot), new Uint8Array());
  await Promise.all(running);
  return out;
}

export function formatDifference(d: {
  path: string;
  field: string;
  expected?: string;
  actual?: string;
}): string {
  const what =
    d.expected !== undefined || d.actual !== undefined
      ? `: expected ${d.expected ?? '-'}, got ${d.actual ?? '-'}`
      : '';
  return `${JSON.stringify(d.path)} ${d.field}${what}`;
}

/**
 * Differences between what the repository holds for `snapshot` and `manifest`, after removing
 * those the `expectedDifferences` rules explain. The snapshot root ('') is compared only when
 * the manifest lists it.
 */
export async function compareSnapshotWithManifest(
  repo: Repository,
  snapshot: Snapshot,
  manifest: SnapshotManifest,
  expectedDifferences: string[],
): Promise<string[]> {
  let actual = await readSnapshotEntries(repo, snapshot);
  if (!manifest.entries.some((e) => e.pathHex === ''))
    actual = actual.filter((e) => e.pathHex !== '');
  const diffs = diffEntries(manifest.entries, actual);
  const { unexpected } = explainDifferences(diffs, expectedDifferences, manifest);
  return unexpected.map(formatDifference);
}
