/**
 * Compares a restored directory with a snapshot manifest: content sha256, size, type, mode,
 * uid/gid, mtime (ns), symlink target bytes, hard link groups (same inode) and sparse holes
 * (allocated blocks < size). Differences a format cannot avoid are named by the fixture's
 * `expectedDifferences` tokens; each token is a rule below, and a test expects the restore to
 * differ by exactly those rules: every difference explained, every rule used.
 */
import { scanTree } from './scan-tree.js';
import type { ManifestEntry, ManifestEntryType, SnapshotManifest } from './types.js';

export type DifferenceField =
  | 'missing'
  | 'extra'
  | 'type'
  | 'mode'
  | 'uid'
  | 'gid'
  | 'size'
  | 'sha256'
  | 'mtime'
  | 'target'
  | 'hardlink'
  | 'sparse';

export interface TreeDifference {
  path: string;
  pathHex: string;
  field: DifferenceField;
  /** the manifest's entry type (the restored one for 'extra') */
  entryType: ManifestEntryType;
  expected?: string;
  actual?: string;
}

export interface CompareOptions {
  /** check that sparse files of the manifest are sparse on disk (the restore asked for holes) */
  sparse?: boolean;
}

/** Scans `dir` and lists how it differs from `manifest` (no rules applied). */
export async function compareTree(
  dir: string,
  manifest: SnapshotManifest,
  options: CompareOptions = {},
): Promise<TreeDifference[]> {
  return diffEntries(manifest.entries, await scanTree(dir), options);
}

/** Field-by-field differences between two entry lists (both as scanTree makes them). */
export function diffEntries(
  expected: ManifestEntry[],
  actual: ManifestEntry[],
  options: CompareOptions = {},
): TreeDifference[] {
  const out: TreeDifference[] = [];
  const actualByPath = new Map(actual.map((e) => [e.pathHex, e]));
  const expectedPeers = peersByPath(expected);
  const actualPeers = peersByPath(actual);
  for (const want of expected) {
    const got = actualByPath.get(want.pathHex);
    const diff = (field: DifferenceField, e?: unknown, a?: unknown) =>
      out.push({
        path: want.path,
        pathHex: want.pathHex,
        field,
        entryType: want.type,
        ...(e === undefined ? {} : { expected: String(e) }),
        ...(a === undefined ? {} : { actual: String(a) }),
      });
    if (!got) {
      diff('missing');
      continue;
    }
    actualByPath.delete(want.pathHex);
    if (got.type !== want.type) {
      diff('type', want.type, got.type);
      continue;
    }
    if (want.type !== 'symlink' && got.mode !== want.mode)
      diff('mode', want.mode.toString(8), got.mode.toString(8));
    if (got.uid !== want.uid) diff('uid', want.uid, got.uid);
    if (got.gid !== want.gid) diff('gid', want.gid, got.gid);
    if (got.mtimeNs !== want.mtimeNs) diff('mtime', want.mtimeNs, got.mtimeNs);
    if (want.type === 'file') {
      if (got.size !== want.size) diff('size', want.size, got.size);
      if (got.sha256 !== want.sha256) diff('sha256', want.sha256, got.sha256);
      const peers = expectedPeers.get(want.pathHex) ?? '';
      const gotPeers = actualPeers.get(want.pathHex) ?? '';
      if (peers !== gotPeers) diff('hardlink', peers, gotPeers);
      if (options.sparse && want.sparse && !got.sparse) diff('sparse', 'sparse', 'dense');
    }
    if (want.type === 'symlink' && got.targetHex !== want.targetHex)
      diff('target', want.targetHex, got.targetHex);
  }
  for (const extra of actualByPath.values())
    out.push({ path: extra.path, pathHex: extra.pathHex, field: 'extra', entryType: extra.type });
  return out;
}

/** for each hard-linked path: the other paths of its group, as one comparable string */
function peersByPath(entries: ManifestEntry[]): Map<string, string> {
  const groups = new Map<number, string[]>();
  for (const e of entries) {
    if (e.hardlinkGroup === undefined) continue;
    const list = groups.get(e.hardlinkGroup) ?? [];
    list.push(e.pathHex);
    groups.set(e.hardlinkGroup, list);
  }
  const out = new Map<string, string>();
  for (const members of groups.values())
    for (const m of members)
      out.set(
        m,
        members
          .filter((x) => x !== m)
          .sort()
          .join(','),
      );
  return out;
}

type Rule = (d: TreeDifference, manifest?: SnapshotManifest) => boolean;

/**
 * The expected-difference vocabulary. Each rule says which differences it explains. A fixture's
 * `expectedDifferences` lists what its format cannot record; `toolRestoreDifferences` lists what
 * the real tool's own restore gets wrong on top (found by restoring with it; see
 * test/fixtures/README.md).
 */
export const differenceRules: Record<string, Rule> = {
  /** restic `backup .` keeps no node for the snapshot root itself: its mode/owner/mtime are lost */
  'no-root-metadata': (d) => d.path === '' && !['missing', 'extra', 'type'].includes(d.field),
  /** kopia keeps no inode identity: hard links come back as independent files */
  'no-hardlinks': (d) => d.field === 'hardlink',
  /** kopia does not store FIFOs */
  'no-fifo': (d) => d.field === 'missing' && d.entryType === 'fifo',
  /** kopia stores names as JSON strings: invalid UTF-8 bytes become U+FFFD */
  'non-utf8-names-replaced': (d) =>
    (d.field === 'missing' && !isUtf8(Buffer.from(d.pathHex, 'hex'))) ||
    (d.field === 'extra' && d.path.includes('\ufffd')),
  /** kopia's restore sets a directory's mtime to the newest mtime stored below it (summ.maxTime) */
  'dir-mtime-from-children': (d, manifest) =>
    d.field === 'mtime' &&
    d.entryType === 'dir' &&
    d.path !== '' &&
    manifest !== undefined &&
    d.actual === String(maxTimeBelow(manifest, d.path)),
  /** kopia's restore sets symlink times through a timeval: rounded up to the microsecond */
  'symlink-mtime-microseconds': (d) =>
    d.field === 'mtime' &&
    d.entryType === 'symlink' &&
    d.actual === String(ceilToMicrosecond(BigInt(d.expected!))),
};

export interface Explained {
  /** differences no listed rule explains */
  unexpected: TreeDifference[];
  /** listed rules that explained nothing (the list is wider than the real gaps) */
  unused: string[];
}

/**
 * Splits differences into explained by `tokens` and not; unknown tokens throw. Pass the manifest
 * for rules that look at other entries (dir-mtime-from-children).
 */
export function explainDifferences(
  differences: TreeDifference[],
  tokens: string[],
  manifest?: SnapshotManifest,
): Explained {
  const used = new Set<string>();
  for (const token of tokens)
    if (!differenceRules[token]) throw new Error(`unknown expected difference '${token}'`);
  const unexpected = differences.filter((d) => {
    const token = tokens.find((t) => differenceRules[t]!(d, manifest));
    if (token) used.add(token);
    return token === undefined;
  });
  return { unexpected, unused: tokens.filter((t) => !used.has(t)) };
}

const STORED_BY_KOPIA = new Set<ManifestEntryType>(['file', 'dir', 'symlink']);

/** kopia's summ.maxTime: newest of the children (a subdirectory counts by its own maxTime), own mtime if none */
function maxTimeBelow(manifest: SnapshotManifest, dir: string): bigint {
  const prefix = dir === '' ? '' : `${dir}/`;
  const self = manifest.entries.find((e) => e.path === dir);
  let max: bigint | undefined;
  for (const e of manifest.entries) {
    if (!STORED_BY_KOPIA.has(e.type) || !e.path.startsWith(prefix) || e.path === dir) continue;
    if (e.path.slice(prefix.length).includes('/')) continue; // not a direct child
    const t = e.type === 'dir' ? maxTimeBelow(manifest, e.path) : BigInt(e.mtimeNs);
    if (max === undefined || t > max) max = t;
  }
  return max ?? BigInt(self?.mtimeNs ?? '0');
}

function ceilToMicrosecond(ns: bigint): bigint {
  const rest = ((ns % 1000n) + 1000n) % 1000n;
  return rest === 0n ? ns : ns - rest + 1000n;
}

function isUtf8(bytes: Buffer): boolean {
  return Buffer.from(bytes.toString('utf8'), 'utf8').equals(bytes);
}
