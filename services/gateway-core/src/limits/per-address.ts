import { addressGroup } from './address.js';

/**
 * State kept per client address group (addressGroup), made on first use. Every 1,024 uses the
 * entries `idle` says carry nothing are forgotten: memory follows the addresses active lately,
 * not every address ever seen.
 */
export class PerAddress<T> {
  private readonly items = new Map<string, T>();
  private uses = 0;

  constructor(
    private readonly make: () => T,
    private readonly idle: (v: T) => boolean,
  ) {}

  get(address: string): T {
    if (++this.uses % 1024 === 0)
      for (const [k, v] of this.items) if (this.idle(v)) this.items.delete(k);
    const key = addressGroup(address);
    let v = this.items.get(key);
    if (v === undefined) this.items.set(key, (v = this.make()));
    return v;
  }

  /** Addresses with an entry (for tests and the curious). */
  get size(): number {
    return this.items.size;
  }
}
