/**
 * The ids a client or session has shown, newest `max` kept: a DM routed again after a
 * reconnect or a gateway failure (delivery is at least once there) is shown once.
 */
export class SeenIds<T = number> {
  private readonly ids = new Set<T>();

  constructor(private readonly max = 2000) {}

  has(id: T): boolean {
    return this.ids.has(id);
  }

  /** Records an id; false if it was already there. */
  add(id: T): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    // A Set iterates in insertion order: the first one is the oldest.
    if (this.ids.size > this.max) this.ids.delete(this.ids.values().next().value as T);
    return true;
  }
}
