import { addressGroup } from './address.js';

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * A token bucket per client address group (addressGroup): `rate` a second, up to `burst`.
 * Checked before a gateway's shared bucket, so one address cannot spend what everyone shares.
 * Buckets that have filled up again are forgotten now and then: memory follows the addresses
 * active in the last few seconds, not every address ever seen.
 */
export class AddressRate {
  private readonly buckets = new Map<string, Bucket>();
  private takes = 0;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {}

  take(address: string): boolean {
    const t = this.now();
    if (++this.takes % 1024 === 0) this.sweep(t);
    const key = addressGroup(address);
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: t };
    b.tokens = Math.min(this.burst, b.tokens + ((t - b.at) / 1000) * this.rate);
    b.at = t;
    const ok = b.tokens >= 1;
    if (ok) b.tokens -= 1;
    this.buckets.set(key, b);
    return ok;
  }

  /** Addresses with a bucket (for tests and the curious). */
  get size(): number {
    return this.buckets.size;
  }

  private sweep(t: number): void {
    for (const [k, b] of this.buckets)
      if (b.tokens + ((t - b.at) / 1000) * this.rate >= this.burst) this.buckets.delete(k);
  }
}
