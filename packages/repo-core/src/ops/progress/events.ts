/**
 * Progress of a restore or dump as plain events: the CLI renders them as bars or NDJSON, the
 * server as SSE. `ProgressCounter` keeps the running totals and computes the ETA, so every
 * consumer shows the same numbers.
 */

export type FileAction =
  /** the entry did not exist and was created */
  | 'restored'
  /** an existing entry was replaced */
  | 'updated'
  /** existing content already matched; only metadata was applied */
  | 'unchanged'
  /** left as it was (overwrite mode never / if-newer) */
  | 'skipped'
  /** removed from the target (--delete) */
  | 'deleted';

export interface ProgressStatus {
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
  errors: number;
  elapsedMs: number;
  /** estimated milliseconds left; undefined until something was done */
  etaMs?: number;
}

export type ProgressEvent =
  | { type: 'start'; filesTotal: number; bytesTotal: number }
  | { type: 'file'; action: FileAction; location: string; entryType: string; size: number }
  | { type: 'status'; status: ProgressStatus }
  | { type: 'error'; location: string; code: string; message: string }
  /** something not restored faithfully (xattr refused, owner not settable); not an error */
  | { type: 'warning'; location: string; message: string }
  | { type: 'done'; status: ProgressStatus };

export type ProgressListener = (event: ProgressEvent) => void;

/** running totals; `tick()` emits a status event at most every `intervalMs` */
export class ProgressCounter {
  filesTotal = 0;
  bytesTotal = 0;
  filesDone = 0;
  bytesDone = 0;
  errors = 0;
  private readonly started: number;
  private lastTick = 0;

  constructor(
    private readonly listener: ProgressListener | undefined,
    private readonly now: () => number = Date.now,
    private readonly intervalMs = 250,
  ) {
    this.started = now();
  }

  emit(event: ProgressEvent): void {
    this.listener?.(event);
  }

  addBytes(n: number): void {
    this.bytesDone += n;
    this.tick();
  }

  fileDone(action: FileAction, location: string, entryType: string, size: number): void {
    this.filesDone++;
    this.emit({ type: 'file', action, location, entryType, size });
    this.tick();
  }

  warn(location: string, message: string): void {
    this.emit({ type: 'warning', location, message });
  }

  error(location: string, code: string, message: string): void {
    this.errors++;
    this.emit({ type: 'error', location, code, message });
  }

  status(): ProgressStatus {
    const elapsedMs = this.now() - this.started;
    const s: ProgressStatus = {
      filesDone: this.filesDone,
      filesTotal: this.filesTotal,
      bytesDone: this.bytesDone,
      bytesTotal: this.bytesTotal,
      errors: this.errors,
      elapsedMs,
    };
    if (this.bytesDone > 0 && this.bytesTotal >= this.bytesDone) {
      s.etaMs = Math.round((elapsedMs * (this.bytesTotal - this.bytesDone)) / this.bytesDone);
    }
    return s;
  }

  tick(force = false): void {
    if (!this.listener) return;
    const t = this.now();
    if (!force && t - this.lastTick < this.intervalMs) return;
    this.lastTick = t;
    this.emit({ type: 'status', status: this.status() });
  }

  finish(): ProgressStatus {
    const s = this.status();
    this.emit({ type: 'done', status: s });
    return s;
  }
}
