/**
 * At most `size` tasks at once, at most `maxWaiting` more queued; past that, `run` refuses
 * at once. Keeps expensive work (password hashing on libuv's thread pool) from piling up.
 */
export class Slots {
  private busy = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly size: number,
    private readonly maxWaiting: number,
  ) {}

  /** Runs fn in a slot; undefined (and fn never runs) when the queue is full. */
  async run<T>(fn: () => Promise<T>): Promise<{ value: T } | undefined> {
    if (this.busy >= this.size) {
      if (this.waiting.length >= this.maxWaiting) return undefined;
      await new Promise<void>((r) => this.waiting.push(r));
    } else this.busy++;
    try {
      return { value: await fn() };
    } finally {
      // The slot passes straight to the next in line, or is freed.
      const next = this.waiting.shift();
      if (next) next();
      else this.busy--;
    }
  }
}
