/** A counting semaphore: at most `n` holders at once; waiters are served in order. */
export class Limit {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly n: number) {
    if (!(n >= 1)) throw new RangeError(`concurrency must be >= 1, got ${n}`);
  }

  async acquire(): Promise<void> {
    if (this.active < this.n) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      this.release();
    }
  }
}
