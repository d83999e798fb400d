import { setTimeout as sleep } from 'node:timers/promises';
import type { Cluster, Redis } from 'ioredis';

/** What a shard's subscriber connection reports. */
export interface ShardEvents {
  message(channel: string, payload: string): void;
  /**
   * The connection closed (`closed`), or Redis unsubscribed it unasked (`moved`): the node no
   * longer serves a slot it carried (a failover made it a replica, or a slot migrated away).
   */
  lost(node: string, why: 'closed' | 'moved'): void;
}

/**
 * One subscriber connection per cluster node ("host:port"), opened when a channel of one of its
 * slots is first subscribed. The client library's own resubscribe is off: the broker decides
 * where each channel goes after a move, and knows when Redis confirmed it.
 */
export class ShardSubscribers {
  private readonly conns = new Map<string, Redis>();
  /** Per node, MOVED replies to our own SSUBSCRIBE not yet matched with ioredis's `moved`. */
  private readonly ownMoved = new Map<string, number>();

  constructor(
    private readonly cluster: Cluster,
    private readonly open: (node: string) => Redis,
    private readonly events: ShardEvents,
  ) {}

  /** The primary serving a slot, as the command client last learned it. */
  ownerOf(slot: number): string | undefined {
    return this.cluster.slots[slot]?.[0];
  }

  /** Asks the cluster for its slots again (a failover or a migration moved some). */
  refresh(): Promise<void> {
    return new Promise((resolve) => this.cluster.refreshSlotsCache(() => resolve()));
  }

  /** SSUBSCRIBE channels of one slot on its node; resolves once Redis confirmed them. */
  async subscribe(node: string, channels: string[], readyWithinMs: number): Promise<void> {
    const conn = this.connection(node);
    // It was connected and lost the node (killed, most often): waiting would only delay the
    // retry at the node the slot map names next.
    if (conn.status === 'reconnecting') throw new Error(`shard subscriber lost ${node}`);
    if (conn.status !== 'ready') await ready(conn, readyWithinMs);
    try {
      await conn.ssubscribe(...channels);
    } catch (err) {
      // ioredis says `moved` for this answer too: it is the caller's failure, not a drop.
      if (String(err).includes('MOVED'))
        this.ownMoved.set(node, (this.ownMoved.get(node) ?? 0) + 1);
      throw err;
    }
  }

  unsubscribe(node: string, channel: string): void {
    const conn = this.conns.get(node);
    if (conn?.status === 'ready') conn.sunsubscribe(channel).catch(() => undefined);
  }

  /** Closes the connection to a node nothing is subscribed at any more (a dead primary's). */
  drop(node: string): void {
    this.conns.get(node)?.disconnect();
    this.conns.delete(node);
    this.ownMoved.delete(node);
  }

  nodes(): string[] {
    return [...this.conns.keys()];
  }

  close(): void {
    for (const c of this.conns.values()) c.disconnect();
    this.conns.clear();
  }

  private connection(node: string): Redis {
    let conn = this.conns.get(node);
    if (conn) return conn;
    conn = this.open(node);
    this.conns.set(node, conn);
    conn.on('smessage', (channel: string, payload: string) =>
      this.events.message(channel, payload),
    );
    // ioredis says `moved` when Redis unsubscribed it unasked: the slot moved (or its node
    // became a replica), and only our own subscribe at the new owner brings it back. It says
    // it before rejecting an SSUBSCRIBE answered MOVED, so look once that rejection ran.
    conn.on('moved', () =>
      setImmediate(() => {
        const own = this.ownMoved.get(node) ?? 0;
        if (own > 0) this.ownMoved.set(node, own - 1);
        else this.events.lost(node, 'moved');
      }),
    );
    conn.on('close', () => this.events.lost(node, 'closed'));
    conn.connect().catch(() => undefined);
    return conn;
  }
}

async function ready(conn: Redis, withinMs: number): Promise<void> {
  const end = Date.now() + withinMs;
  while (conn.status !== 'ready') {
    if (Date.now() > end || conn.status === 'end') throw new Error('shard subscriber not ready');
    await sleep(20);
  }
}
