/**
 * A value loaded at most once per `ttlMs`, however many ask: callers meanwhile share the
 * cached value or the one load in flight. A failed load is not kept; the next caller retries.
 */
export class Cached<T> {
  private value: { at: number; v: T } | undefined;
  private loading: Promise<T> | undefined;

  constructor(
    private readonly load: () => Promise<T>,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(): Promise<T> {
    if (this.value && this.now() - this.value.at < this.ttlMs) return Promise.resolve(this.value.v);
    this.loading ??= this.load().then(
      (v) => {
        this.value = { at: this.now(), v };
        this.loading = undefined;
        return v;
      },
      (err: unknown) => {
        this.loading = undefined;
        throw err;
      },
    );
    return this.loading;
  }
}
