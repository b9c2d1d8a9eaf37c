/**
 * Sinks: places in files already open for writing (a restore's temporary files) where a decoded
 * chunk belongs. A run item that carries sinks is written there by whichever thread decodes it,
 * right after its hash is checked and while its bytes are still in that core's cache, and comes
 * back empty instead of crossing threads (util/run-pool.ts, batch-read.ts). restic's restorer
 * writes each blob from the goroutine that decrypted it the same way
 * (`internal/restorer/filerestorer.go`). Profiled restoring 460 MB into ext4, copying bytes that
 * had crossed threads into the page cache cost ~1.2 s of CPU against restic's ~0.8 s.
 *
 * Only file descriptors and offsets cross threads: a worker shares the process's descriptor
 * table. Whoever owns a descriptor keeps it open until every run that may write to it has
 * answered (batch-read.ts holds a file's failure back until then).
 */

import type * as NodeFs from 'node:fs';

import { IntegrityError } from '../errors.js';
import { builtin } from './worker-script.js';

/** `length` bytes of a plaintext belong at byte `pos` of the open file `fd` */
export interface Sink {
  readonly fd: number;
  readonly pos: number;
  readonly length: number;
}

/** the empty plaintext an item comes back as once its sinks hold it */
export const SUNK = new Uint8Array(0);

let fs: typeof NodeFs | undefined;

function nodeFs(): typeof NodeFs {
  fs ??= builtin<typeof NodeFs>('node:fs');
  if (!fs) throw new Error('writing decoded chunks into files needs Node.js (node:fs)');
  return fs;
}

/** every sink must take exactly the plaintext: checked before anything is written */
function checkSinks(plain: Uint8Array, sinks: readonly Sink[], what: string): void {
  for (const s of sinks) {
    if (s.length !== plain.length)
      throw new IntegrityError(
        `${what}: ${plain.length} bytes where its file needs ${s.length} at offset ${s.pos}`,
      );
  }
}

/**
 * Writes `plain` to every sink (synchronous pwrite, looping on short writes). A sink whose
 * length differs from the plaintext's is an IntegrityError naming `what`, raised before
 * anything is written, so a lying index never writes past a chunk's place in its file.
 */
export function writeSinks(plain: Uint8Array, sinks: readonly Sink[], what: string): void {
  checkSinks(plain, sinks, what);
  const { writeSync } = nodeFs();
  for (const s of sinks) {
    let done = 0;
    while (done < plain.length) {
      done += writeSync(s.fd, plain, done, plain.length - done, s.pos + done);
    }
  }
}

/**
 * writeSinks without blocking this thread: the same checks first, then each pwrite on Node's
 * threadpool. For the main thread, which also reads, walks trees and feeds the writers; a decode
 * worker has nothing else to do and writes synchronously.
 */
export async function writeSinksAsync(
  plain: Uint8Array,
  sinks: readonly Sink[],
  what: string,
): Promise<void> {
  checkSinks(plain, sinks, what);
  const { write } = nodeFs();
  const writeAt = (fd: number, off: number, len: number, pos: number) =>
    new Promise<number>((resolve, reject) =>
      write(fd, plain, off, len, pos, (e, n) => (e ? reject(e) : resolve(n))),
    );
  for (const s of sinks) {
    let done = 0;
    while (done < plain.length) {
      done += await writeAt(s.fd, done, plain.length - done, s.pos + done);
    }
  }
}

/**
 * Reusable buffers for plaintexts that go to sinks, one set per thread: their pages are touched
 * once, not per run (a fresh buffer costs a page fault per 4 KiB, and the main thread zeroes
 * it). `take` hands out a free one (or a new one) until `release`; up to `keep` stay for reuse.
 */
export class SinkScratch {
  readonly #free: Uint8Array[] = [];

  constructor(private readonly keep = 2) {}

  /** a buffer of at least `n` bytes, yours until `release` */
  take(n: number): { buf: Uint8Array; release: () => void } {
    const i = this.#free.findIndex((b) => b.length >= n);
    const buf = i >= 0 ? this.#free.splice(i, 1)[0]! : new Uint8Array(Math.max(n, 1024 * 1024));
    return {
      buf,
      release: () => {
        if (this.#free.length < this.keep) this.#free.push(buf);
      },
    };
  }
}
