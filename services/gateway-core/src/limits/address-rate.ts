import { TokenBucket } from './rate-limiter.js';
import { PerAddress } from './per-address.js';

/**
 * A token bucket per client address group: `rate` a second, up to `burst`. Checked before a
 * gateway's shared bucket, so one address cannot spend what everyone shares. Buckets that have
 * filled up again are forgotten.
 */
export class AddressRate {
  private readonly buckets: PerAddress<TokenBucket>;

  constructor(rate: number, burst: number, now: () => number = Date.now) {
    this.buckets = new PerAddress(
      () => new TokenBucket(rate, burst, now),
      (b) => b.full(),
    );
  }

  take(address: string): boolean {
    return this.buckets.get(address).take();
  }

  /** Addresses with a bucket (for tests and the curious). */
  get size(): number {
    return this.buckets.size;
  }
}
