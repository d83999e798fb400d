/** Token bucket: `rate` tokens per second, up to `burst`. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  take(): boolean {
    const t = this.now();
    this.tokens = this.at(t);
    this.last = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Whether the bucket has filled up again: it remembers nothing a new one would not. */
  full(): boolean {
    return this.at(this.now()) >= this.burst;
  }

  /** The tokens there are at time t. */
  private at(t: number): number {
    return Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.rate);
  }
}

/**
 * Counts refused frames in a sliding window: past `limit` refusals within `windowMs` the
 * client is flooding and gets disconnected. Tells when a refusal should be reported, so a
 * flood does not turn into a flood of error frames.
 */
export class FloodGuard {
  private hits: number[] = [];
  private lastReport = -Infinity;

  constructor(
    private readonly limit: number,
    private readonly windowMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  refuse(): { report: boolean; flooding: boolean } {
    const t = this.now();
    this.hits.push(t);
    while (this.hits.length > 0 && (this.hits[0] ?? 0) <= t - this.windowMs) this.hits.shift();
    const report = t - this.lastReport >= 1000;
    if (report) this.lastReport = t;
    return { report, flooding: this.hits.length > this.limit };
  }
}
