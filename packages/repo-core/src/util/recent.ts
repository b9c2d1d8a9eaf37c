/**
 * The last few verified plaintexts by id, shared while still being decoded: a chunk that repeats
 * (a file made of one block over and over, zero runs, copies of a file) is read and decoded once
 * while it stays recent, not once per use. Each value was verified when it was made; a failed
 * decode is forgotten at once so the next use tries again (possibly another copy).
 * restic's restorer gets the same from writing each downloaded blob to every place it is needed.
 */
export class RecentValues<T extends Uint8Array> {
  readonly #map = new Map<string, Promise<T>>();

  constructor(
    private readonly maxEntries: number,
    /** values larger than this are not kept */
    private readonly maxItemBytes: number,
  ) {}

  get(id: string): Promise<T> | undefined {
    const p = this.#map.get(id);
    if (p) {
      this.#map.delete(id);
      this.#map.set(id, p);
    }
    return p;
  }

  /** remembers `value` (in flight) under `id`, evicting the oldest */
  set(id: string, value: Promise<T>): void {
    this.#map.delete(id);
    this.#map.set(id, value);
    const forget = (): void => {
      if (this.#map.get(id) === value) this.#map.delete(id);
    };
    value.then((v) => {
      if (v.length > this.maxItemBytes) forget();
    }, forget);
    while (this.#map.size > this.maxEntries) {
      this.#map.delete(this.#map.keys().next().value as string);
    }
  }

  /**
   * The values of `items`, in order: recent ones (or ones in flight) shared, the others made by
   * ONE `fetch(missing)` call (which returns them in the order given) and remembered.
   */
  share<I>(
    items: readonly I[],
    idOf: (item: I) => string,
    fetch: (missing: I[]) => Promise<T[]>,
  ): Promise<T[]> {
    const out = items.map((item) => this.get(idOf(item)));
    const missing = items.filter((_, i) => out[i] === undefined);
    if (missing.length > 0) {
      const fresh = fetch(missing);
      fresh.catch(() => undefined); // surfaced through each value's promise
      let k = 0;
      items.forEach((item, i) => {
        if (out[i] !== undefined) return;
        const index = k++;
        const p = fresh.then((all) => all[index]!);
        this.set(idOf(item), p);
        out[i] = p;
      });
    }
    return Promise.all(out as Promise<T>[]);
  }
}
