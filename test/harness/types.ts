/**
 * Shapes of the committed fixture catalogue (test/fixtures/fixtures.json) and of the snapshot
 * manifests (test/fixtures/manifests/*.json). The generator writes them; every reader test,
 * restore test and real-tool test reads them through test/harness/fixtures.ts.
 */

export type ManifestEntryType =
  | 'file'
  | 'dir'
  | 'symlink'
  | 'fifo'
  | 'socket'
  | 'chardev'
  | 'blockdev';

/** One entry of a restored tree, relative to the snapshot root ('' is the root itself). */
export interface ManifestEntry {
  /** display path, '/'-separated, UTF-8 with invalid bytes replaced by U+FFFD */
  path: string;
  /** exact path bytes, lowercase hex */
  pathHex: string;
  type: ManifestEntryType;
  /** permission bits including setuid 0o4000 / setgid 0o2000 / sticky 0o1000, no type bits */
  mode: number;
  uid: number;
  gid: number;
  /** files: size and sha256 of the content */
  size?: number;
  sha256?: string;
  /** decimal nanoseconds since the epoch */
  mtimeNs: string;
  /** symlinks: target bytes, lowercase hex */
  targetHex?: string;
  /** files that are hard links of one inode share a group number */
  hardlinkGroup?: number;
  /** files with holes in the source (a sparse restore keeps them holes) */
  sparse?: boolean;
}

export interface SnapshotManifest {
  /** which source tree this snapshot was made from (e.g. "tree-a", "tree-b") */
  tree: string;
  entries: ManifestEntry[];
}

export interface FixtureSnapshot {
  /** stable label used by tests ("first", "second", ...) */
  label: string;
  /** the snapshot id as the real tool prints it */
  id: string;
  /** file name under test/fixtures/manifests/ */
  manifest: string;
}

export interface RepoFixture {
  /** directory name under test/fixtures/repos/ */
  name: string;
  format: 'restic' | 'kopia';
  password: string;
  /** how it was made: tool version and the options that matter (compression, hash, ...) */
  settings: Record<string, string>;
  /** live snapshots, oldest first (deleted ones are not listed here) */
  snapshots: FixtureSnapshot[];
  /**
   * What this format does not record, so a faithful restore differs from the source tree in
   * these ways and no others, e.g. "no-hardlinks", "no-xattrs", "no-fifo", "no-devices".
   */
  expectedDifferences: string[];
  /**
   * How the real tool's own restore differs further from the source, beyond what the format
   * loses (its restore behaviour, e.g. kopia's directory mtimes); rules in harness/compare-tree.ts.
   */
  toolRestoreDifferences: string[];
}
