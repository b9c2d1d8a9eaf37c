/**
 * Listings fetched ahead of the walk that will ask for them (the model's `prefetchDirs`): a
 * depth-first walk lists one directory at a time, so on S3 every directory cost a round trip with
 * nothing else in flight (20,000 files in 40 directories from MinIO on loopback: the main thread
 * idle ~200 ms of a 1.9 s restore while the trees came one by one; from a remote bucket, ~20 ms a
 * directory). A hint starts the load, a few at a time, and keeps its promise for the `take` that
 * comes when the walk gets there. At most `maxEntries` are held (further hints are dropped: the
 * walk loads those itself), and a value larger than `maxValueBytes` is let go once it arrives, so
 * memory stays bounded. A failed load is kept like a value: its `take` rethrows it, exactly as the
 * load would have thrown then; one never taken is dropped with no unhandled rejection.
 */

export class Prefetcher<T extends { readonly length: number }> {
  readonly #held = new Map<string, Promise<T>>();
  readonly #queue: { key: string; start: () => void }[] = [];
  #active = 0;

  constructor(
    /** loads in flight at once */
    private readonly concurrency = 8,
    /** hinted keys held (in flight, queued or done) */
    private readonly maxEntries = 64,
    /** a larger value is not held */
    private readonly maxValueBytes = 4 << 20,
  ) {}

  /** starts loading `key` unless it is held already or `maxEntries` are */
  hint(key: string, load: () => Promise<T>): void {
    if (this.#held.has(key) || this.#held.size >= this.maxEntries) return;
    let start!: () => void;
    const started = new Promise<void>((resolve) => (start = resolve));
    const value = started.then(load);
    this.#held.set(key, value);
    value.then(
      (v) => {
        if (v.length > this.maxValueBytes && this.#held.get(key) === value) this.#held.delete(key);
      },
      () => undefined, // rethrown by take(), or dropped unseen
    );
    void value
      .finally(() => {
        this.#active--;
        this.#pump();
      })
      .catch(() => undefined);
    this.#queue.push({ key, start });
    this.#pump();
  }

  /**
   * the hinted load of `key` (no longer held), or undefined when not hinted; one still queued
   * starts now, since its caller waits for it
   */
  take(key: string): Promise<T> | undefined {
    const value = this.#held.get(key);
    if (!value) return undefined;
    this.#held.delete(key);
    const i = this.#queue.findIndex((q) => q.key === key);
    if (i >= 0) {
      this.#active++;
      this.#queue.splice(i, 1)[0]!.start();
    }
    return value;
  }

  /** loads held (in flight, queued or done) */
  get size(): number {
    return this.#held.size;
  }

  #pump(): void {
    while (this.#active < this.concurrency && this.#queue.length > 0) {
      this.#active++;
      this.#queue.shift()!.start();
    }
  }
}
