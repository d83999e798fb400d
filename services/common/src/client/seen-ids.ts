/**
 * The ids a client has shown, newest `max` kept: a DM routed again after a reconnect (the
 * server delivers at least once across gateway failures) is shown once.
 */
export class SeenIds {
  private readonly ids = new Set<number>();

  constructor(private readonly max = 2000) {}

  /** Records an id; false if it was already there. */
  add(id: number): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    // A Set iterates in insertion order: the first one is the oldest.
    if (this.ids.size > this.max) this.ids.delete(this.ids.values().next().value as number);
    return true;
  }
}
