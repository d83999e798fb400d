import { addressGroup } from './address.js';

interface Window {
  used: number;
  ends: number;
}

/**
 * How much one client address group may spend per window, counted by this process alone (no
 * Redis round trip on the hot path): a fixed window per address, forgotten once it has ended.
 * `spend` answers 0, or how many ms until the address may spend again.
 */
export class AddressBudget {
  private readonly windows = new Map<string, Window>();
  private spends = 0;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  spend(address: string, cost: number): number {
    const t = this.now();
    if (++this.spends % 1024 === 0) this.sweep(t);
    const key = addressGroup(address);
    let w = this.windows.get(key);
    if (!w || w.ends <= t) {
      w = { used: 0, ends: t + this.windowMs };
      this.windows.set(key, w);
    }
    if (w.used + cost > this.limit) return w.ends - t;
    w.used += cost;
    return 0;
  }

  /** Addresses with a window open (for tests and the curious). */
  get size(): number {
    return this.windows.size;
  }

  private sweep(t: number): void {
    for (const [k, w] of this.windows) if (w.ends <= t) this.windows.delete(k);
  }
}
