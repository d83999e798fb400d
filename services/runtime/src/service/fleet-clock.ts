/**
 * Wall time as Redis sees it. Hosts' clocks drift and get set wrong; every comparison across
 * hosts (liveness, message ages, queue waits) uses Redis's clock, and a process that needs
 * "now" in those terms between two replies estimates it from its offset to the last one.
 */
export class FleetClock {
  private offset = 0;

  /** `skewMs` offsets this host's clock: a test hook (CLOCK_SKEW_MS) to prove it is not used. */
  constructor(private readonly skewMs = 0) {}

  /** This host's clock. */
  host(): number {
    return Date.now() + this.skewMs;
  }

  /** Redis's clock, as last learned. */
  now(): number {
    return this.host() + this.offset;
  }

  /** Learns Redis's time `redisMs` from a reply to a call sent at host time `sentAt`. */
  learn(redisMs: number, sentAt: number): void {
    const back = this.host();
    this.offset = redisMs - (sentAt + back) / 2;
  }
}
