/**
 * Large files of a batch arrive as pieces in storage order (model.ts FilePiece, read with the
 * small files' chunks in the same pack-ordered runs), not front to back. Each file is created
 * under its temporary name (file-content.ts tempNameFor) on its first piece, or when the reader
 * asks for its descriptor (`fd`: the thread that decodes a piece then writes it itself and the
 * piece comes `written`), sized at once; every other piece is written here at its offset as it
 * comes (holes kept with --sparse), one write at a time per file, several files at once; the
 * caller then sets metadata and renames it, as for every other file. As restic's restorer writes
 * each blob of a downloaded pack at its files' offsets
 * (`internal/restorer/filerestorer.go`, `fileswriter.go`).
 *
 * Memory: `piece()` resolves only once the bytes being written are under `maxBytes`, so a reader
 * that awaits it never runs ahead of the disk by more than that.
 */

import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { writeAt, type RangeHash } from './file-content.js';

export interface PieceFile {
  /** the temporary path it is written to */
  tmp: Buffer;
  size: number;
  sparse: boolean;
  /** keep a SHA-256 per piece for --verify */
  keepHashes: boolean;
}

interface State {
  file: PieceFile;
  fh: Promise<FileHandle>;
  /** the temporary file exists because we made it (only then is it ours to remove) */
  created: boolean;
  /** the file's last write; each waits for the one before */
  last: Promise<void>;
  hashes: RangeHash[];
  error?: unknown;
}

export class PieceWriter {
  private readonly files = new Map<number, State>();
  private readonly inflight: { done: Promise<void>; bytes: number }[] = [];
  private bytes = 0;

  /** `fileFor(index)`: where and how file `index` is written (asked once, on its first piece) */
  constructor(
    private readonly maxBytes: number,
    private readonly onBytes: (n: number) => void,
    private readonly fileFor: (index: number) => PieceFile,
  ) {}

  /** true once file `index` got its first piece (and until finish or abandon) */
  has(index: number): boolean {
    return this.files.has(index);
  }

  /**
   * The descriptor of file `index`, created now if it has no piece yet: for a reader that writes
   * pieces into it itself (model.ts ReadFilesOptions `pieceFd`), which then reports them with
   * `written`. Rejects when the file cannot be created.
   */
  async fd(index: number): Promise<number> {
    return (await this.state(index).fh).fd;
  }

  /** `length` bytes were written into a file's descriptor (from `fd`) by the reader */
  written(length: number): void {
    this.onBytes(length);
  }

  /**
   * Starts writing `data` at `start` of file `index` (created on its first piece). Resolves when
   * the bytes in flight are under the bound again, not when this piece is written; a write error
   * surfaces from `finish`.
   */
  async piece(index: number, start: number, data: Uint8Array): Promise<void> {
    const state = this.state(index);
    const file = state.file;
    // one write at a time per file: concurrent writes to one file only contend for its inode
    // lock in the kernel (measured: 4 % of a 537 MB restore's CPU spinning in pwrite)
    const previous = state.last;
    const done = (async () => {
      await previous;
      if (state.error !== undefined) return;
      try {
        const fh = await state.fh;
        if (file.keepHashes)
          state.hashes.push({
            offset: start,
            length: data.length,
            sha256: createHash('sha256').update(data).digest('hex'),
          });
        await writeAt(fh, data, start, file.sparse);
        this.onBytes(data.length);
      } catch (e) {
        state.error ??= e;
      }
    })();
    state.last = done;
    this.inflight.push({ done, bytes: data.length });
    this.bytes += data.length;
    while (this.bytes > this.maxBytes && this.inflight.length > 0) {
      const oldest = this.inflight.shift()!;
      await oldest.done;
      this.bytes -= oldest.bytes;
    }
  }

  /** file `index`'s state, the file being created on first use */
  private state(index: number): State {
    let s = this.files.get(index);
    if (!s) {
      const file = this.fileFor(index);
      const fresh: Omit<State, 'fh'> = {
        file,
        created: false,
        last: Promise.resolve(),
        hashes: [],
      };
      const fh = this.create(file).then((h) => {
        fresh.created = true;
        return h;
      });
      s = Object.assign(fresh, { fh });
      // a failed create is reported by finish(); never an unhandled rejection here
      s.fh.catch((e: unknown) => {
        s!.error ??= e;
      });
      this.files.set(index, s);
    }
    return s;
  }

  /**
   * Every write of file `index` done and the file closed: the file and its per-piece hashes
   * (with keepHashes). Throws the first failure, after removing the temporary file.
   */
  async finish(index: number): Promise<{ file: PieceFile; hashes: RangeHash[] }> {
    const s = await this.close(index);
    if (s.error !== undefined) {
      if (s.created) await unlink(s.file.tmp).catch(() => undefined);
      throw s.error;
    }
    return { file: s.file, hashes: s.hashes.sort((a, b) => a.offset - b.offset) };
  }

  /** file `index` failed: its writes end, the file is closed and its temporary name removed */
  async abandon(index: number): Promise<void> {
    if (!this.files.has(index)) return;
    const s = await this.close(index);
    if (s.created) await unlink(s.file.tmp).catch(() => undefined);
  }

  /** waits for file `index`'s writes and closes it; its state, with any failure in `error` */
  private async close(index: number): Promise<State> {
    const s = this.files.get(index);
    if (!s) throw new Error(`no piece of file #${index} was written`);
    this.files.delete(index);
    await s.last;
    const fh = await s.fh.catch(() => undefined);
    try {
      await fh?.close();
    } catch (e) {
      s.error ??= e;
    }
    return s;
  }

  private async create(file: PieceFile): Promise<FileHandle> {
    // the directory was made by this run (the batch path's condition): nothing can be there yet,
    // and O_EXCL | O_NOFOLLOW refuse whatever is
    const fh = await open(
      file.tmp,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      0o600,
    );
    try {
      await fh.truncate(file.size);
    } catch (e) {
      await fh.close().catch(() => undefined);
      throw e;
    }
    return fh;
  }
}
