/**
 * ops: what Salvage does with a repository, written once for both formats against the model.
 * The CLI and the server call only these.
 */
export {
  buildSelect,
  readPatternFiles,
  selectAll,
  type FilterOptions,
  type SelectFn,
} from './filter/select.js';
export { walk, type WalkItem, type WalkSink, type WalkOptions } from './walk/walk.js';
export {
  ProgressCounter,
  type ProgressEvent,
  type ProgressListener,
  type ProgressStatus,
  type FileAction,
} from './progress/events.js';
export {
  restore,
  type RestoreOptions,
  type RestoreSummary,
  type OverwriteMode,
  type EntryProblem,
} from './restore/restore.js';
export { nativeAvailable } from './restore/native.js';
export {
  dumpArchive,
  dumpFile,
  archiveStream,
  type ArchiveFormat,
  type DumpRoot,
  type DumpOptions,
  type DumpSummary,
} from './dump/dump.js';
export { resolvePath, splitSnapshotPath } from './browse/resolve-path.js';
export { ls, type LsItem, type LsOptions, type LsSort } from './browse/ls.js';
export { find, type FindMatch, type FindOptions } from './browse/find.js';
export { diff, type DiffItem, type DiffKind, type DiffOptions } from './browse/diff.js';
export { stats, type StatsMode, type StatsResult } from './browse/stats.js';
