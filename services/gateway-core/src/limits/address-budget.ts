import { PerAddress } from './per-address.js';

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
  private readonly windows: PerAddress<Window>;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.windows = new PerAddress(
      () => ({ used: 0, ends: 0 }),
      (w) => w.ends <= this.now(),
    );
  }

  spend(address: string, cost: number): number {
    const t = this.now();
    const w = this.windows.get(address);
    if (w.ends <= t) {
      w.used = 0;
      w.ends = t + this.windowMs;
    }
    if (w.used + cost > this.limit) return w.ends - t;
    w.used += cost;
    return 0;
  }

  /** Addresses with a window open (for tests and the curious). */
  get size(): number {
    return this.windows.size;
  }
}
