/**
 * CoalescingStorage: a Storage wrapper that merges nearby ranged reads of the same object.
 *
 * Ranged reads that arrive within a short window (`windowMs`, default 2 ms) are held, then
 * grouped per object: sorted by offset, a read joins the group before it when the gap between
 * them is at most `maxGap` bytes and the merged span stays within `maxSpan` bytes. Each group of
 * two or more is served by one ranged read of its covering span; every caller gets a copy of
 * exactly its range (a copy, so no caller keeps the whole span alive). A group of one is a plain
 * read of its own range. Whole-object and zero-length reads pass straight through.
 *
 * Large reads (`passThrough`, default 1 MiB) are sent at once, not held for the window nor
 * merged: a request's fixed cost is small next to their transfer, and copying them out of a
 * merged span is not. A large read identical to one already in flight (same object, offset and
 * length: repeated chunks of a deduplicated file) waits for that one instead of fetching the
 * bytes again, and gets its own copy.
 *
 * This pays where a request costs a round trip (S3): a restore of many small files asks for many
 * small, adjacent ranges of the same pack at once. It is format-agnostic: it sees only names and
 * byte ranges.
 *
 * Errors: an error of a merged read reaches every caller in the group, except IntegrityError
 * (object shorter than the span): then each caller's own range is read on its own, so a caller
 * whose range lies inside the object is not failed by a neighbour that reaches past its end.
 */

import { IntegrityError } from '../errors.js';
import type { ObjectInfo, ReadRange, Storage } from './storage.js';

export interface CoalesceOptions {
  /** how long a ranged read waits for neighbours, in ms (default 2; 0 = same macrotask) */
  windowMs?: number;
  /** largest gap of unread bytes between two merged ranges (default 256 KiB) */
  maxGap?: number;
  /** largest merged read (default 8 MiB); a single range larger than this is read alone */
  maxSpan?: number;
  /** ranged reads of at least this many bytes are sent at once, never merged (default 1 MiB) */
  passThrough?: number;
}

export interface CoalesceStats {
  /** ranged reads asked of this storage */
  requested: number;
  /** ranged reads sent to the inner storage */
  issued: number;
}

/** a large read in flight and everyone waiting for its bytes */
interface Flight {
  resolve: ((b: Uint8Array) => void)[];
  reject: ((e: unknown) => void)[];
}

interface Waiter {
  offset: number;
  length: number;
  resolve: (b: Uint8Array) => void;
  reject: (e: unknown) => void;
}

export class CoalescingStorage implements Storage {
  readonly stats: CoalesceStats = { requested: 0, issued: 0 };
  readonly #windowMs: number;
  readonly #maxGap: number;
  readonly #maxSpan: number;
  readonly #passThrough: number;
  #pending = new Map<string, Waiter[]>();
  readonly #flights = new Map<string, Flight>();
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly inner: Storage,
    options: CoalesceOptions = {},
  ) {
    this.#windowMs = options.windowMs ?? 2;
    this.#maxGap = options.maxGap ?? 256 * 1024;
    this.#maxSpan = options.maxSpan ?? 8 * 1024 * 1024;
    this.#passThrough = options.passThrough ?? 1024 * 1024;
  }

  get location(): string {
    return this.inner.location;
  }

  list(prefix: string): AsyncIterable<ObjectInfo> {
    return this.inner.list(prefix);
  }

  stat(name: string): Promise<ObjectInfo | undefined> {
    return this.inner.stat(name);
  }

  read(name: string, range?: ReadRange): Promise<Uint8Array> {
    if (!range || range.length <= 0) return this.inner.read(name, range);
    this.stats.requested++;
    if (range.length >= this.#passThrough) return this.#readLarge(name, range);
    return new Promise<Uint8Array>((resolve, reject) => {
      const w: Waiter = { offset: range.offset, length: range.length, resolve, reject };
      const list = this.#pending.get(name);
      if (list) list.push(w);
      else this.#pending.set(name, [w]);
      this.#timer ??= setTimeout(() => this.#flush(), this.#windowMs);
    });
  }

  async close(): Promise<void> {
    this.#flush();
    await this.inner.close();
  }

  #readLarge(name: string, range: ReadRange): Promise<Uint8Array> {
    const key = `${range.offset}:${range.length}:${name}`;
    let flight = this.#flights.get(key);
    if (!flight) {
      const f: Flight = { resolve: [], reject: [] };
      flight = f;
      this.#flights.set(key, f);
      this.stats.issued++;
      this.inner.read(name, range).then(
        (bytes) => {
          this.#flights.delete(key);
          // copies for the followers before anyone gets the bytes (the first may change them)
          const copies = f.resolve.map((_, i) => (i === 0 ? bytes : new Uint8Array(bytes)));
          f.resolve.forEach((r, i) => r(copies[i]!));
        },
        (e: unknown) => {
          this.#flights.delete(key);
          for (const r of f.reject) r(e);
        },
      );
    }
    const f = flight;
    return new Promise<Uint8Array>((resolve, reject) => {
      f.resolve.push(resolve);
      f.reject.push(reject);
    });
  }

  #flush(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const pending = this.#pending;
    this.#pending = new Map();
    for (const [name, waiters] of pending) {
      for (const group of this.#group(waiters)) void this.#serve(name, group);
    }
  }

  /** waiters sorted by offset, cut into groups that can share one read */
  #group(waiters: Waiter[]): Waiter[][] {
    waiters.sort((a, b) => a.offset - b.offset);
    const groups: Waiter[][] = [];
    let cur: Waiter[] = [];
    let start = 0;
    let end = 0;
    for (const w of waiters) {
      const wEnd = w.offset + w.length;
      if (
        cur.length > 0 &&
        w.offset <= end + this.#maxGap &&
        Math.max(end, wEnd) - start <= this.#maxSpan
      ) {
        cur.push(w);
        end = Math.max(end, wEnd);
        continue;
      }
      if (cur.length > 0) groups.push(cur);
      cur = [w];
      start = w.offset;
      end = wEnd;
    }
    if (cur.length > 0) groups.push(cur);
    return groups;
  }

  async #serve(name: string, group: Waiter[]): Promise<void> {
    if (group.length === 1) {
      const w = group[0]!;
      this.stats.issued++;
      try {
        w.resolve(await this.inner.read(name, { offset: w.offset, length: w.length }));
      } catch (e) {
        w.reject(e);
      }
      return;
    }
    const start = group[0]!.offset;
    let end = start;
    for (const w of group) end = Math.max(end, w.offset + w.length);
    let span: Uint8Array;
    try {
      this.stats.issued++;
      span = await this.inner.read(name, { offset: start, length: end - start });
    } catch (e) {
      if (e instanceof IntegrityError) {
        // the span reaches past the object's end: let each range succeed or fail on its own
        for (const w of group) void this.#serve(name, [w]);
      } else {
        for (const w of group) w.reject(e);
      }
      return;
    }
    if (span.length !== end - start) {
      // a storage that returned short instead of throwing: same as the IntegrityError case
      for (const w of group) void this.#serve(name, [w]);
      return;
    }
    for (const w of group) {
      // a copy (not subarray, nor Buffer#slice, which is a view): the span is dropped as soon as
      // every caller has its own bytes
      const own = new Uint8Array(w.length);
      own.set(span.subarray(w.offset - start, w.offset - start + w.length));
      w.resolve(own);
    }
  }
}
