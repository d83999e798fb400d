import { setTimeout as sleep } from 'node:timers/promises';
import type { Cluster, Redis } from 'ioredis';
import type { StoreContext } from '../context.js';
import { type LiveEnvelope, parseEnvelope } from '../envelopes.js';
import type { BrokerListener, ConversationBroker } from './conversation-broker.js';
import { StoredConversations } from './stored-conversations.js';
import { ShardSubscribers } from './shard-subscribers.js';

/** One conversation's subscription: its channel, its slot, and the node confirmed to carry it. */
interface Entry {
  conv: string;
  channel: string;
  slot: number;
  node?: string;
  /** The node that unsubscribed it unasked: not its slot's primary any more, whatever the map says. */
  left?: string;
}

const READY_WITHIN_MS = 2000;
const REHOME_MAX_WAIT_MS = 1000;
const SETTLE_AFTER_MS = 2000;
const SETTLE_ROUNDS = 3;
/** How often the subscriptions are compared with the slot map, whatever happened. */
export const SETTLE_EVERY_MS = 30_000;
/** Rounds (about 2.5 s) a rehome waits for the slot map to stop naming the node that left. */
const AVOID_ROUNDS = 5;

/**
 * Conversations on Redis Cluster: scripts SPUBLISH to the conversation's shard channel, and
 * each gateway holds one subscriber connection per node, one SSUBSCRIBE per slot. When a slot
 * moves (failover, migration, a dropped connection) its conversations go `down`, are subscribed
 * at the new owner, and once Redis confirmed that, `up`: the listener catches them up.
 */
export class ClusterConversationBroker extends StoredConversations implements ConversationBroker {
  private listener: BrokerListener | undefined;
  private readonly entries = new Map<string, Entry>();
  private readonly byChannel = new Map<string, Entry>();
  /** Conversations waiting to be subscribed at their slot's owner. */
  private readonly moving = new Set<Entry>();
  private rehoming = false;
  private settling = false;
  private settleTimer: NodeJS.Timeout | undefined;
  private readonly settleEvery: NodeJS.Timeout;
  private closed = false;
  private readonly shards: ShardSubscribers;

  constructor(
    store: StoreContext,
    private readonly cluster: Cluster,
    open: (node: string) => Redis,
    /** The cluster's slot of a key (the broker never computes CRC16 itself). */
    private readonly slotOf: (key: string) => number,
    settleEveryMs = SETTLE_EVERY_MS,
  ) {
    super(store);
    // A subscribe made on an old map may have landed on a replica without any drop to say so.
    this.settleEvery = setInterval(() => void this.settle(SETTLE_ROUNDS), settleEveryMs);
    this.settleEvery.unref();
    this.shards = new ShardSubscribers(cluster, open, {
      message: (channel, payload) => {
        const e = this.byChannel.get(channel);
        if (e) this.listener?.message(e.conv, parseEnvelope<LiveEnvelope>(payload));
      },
      lost: (node, why) => this.lost(node, why),
    });
  }

  listen(l: BrokerListener): void {
    this.listener = l;
    if (this.cluster.status !== 'ready') this.cluster.once('ready', () => l.up());
  }

  connected(): boolean {
    return this.cluster.status === 'ready';
  }

  async subscribe(convs: string[]): Promise<void> {
    const fresh = convs.map((conv) => this.entry(conv));
    let failed = false;
    for (const group of bySlot(fresh)) {
      const node = this.shards.ownerOf(group[0]?.slot ?? -1);
      try {
        if (!node) throw new Error('slot has no owner yet');
        await this.subscribeAt(node, group);
      } catch {
        failed = true;
        for (const e of group) if (this.entries.get(e.conv) === e) this.moving.add(e);
      }
    }
    if (failed) {
      void this.rehome();
      throw new Error('subscription not confirmed: its shard is moving');
    }
  }

  unsubscribe(conv: string): void {
    const e = this.entries.get(conv);
    if (!e) return;
    this.entries.delete(conv);
    this.byChannel.delete(e.channel);
    this.moving.delete(e);
    if (e.node) this.shards.unsubscribe(e.node, e.channel);
  }

  status(): string {
    if (this.cluster.status !== 'ready') return this.cluster.status;
    return this.moving.size > 0 ? `ready, ${this.moving.size} moving` : 'ready';
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.settleTimer);
    clearInterval(this.settleEvery);
    this.shards.close();
  }

  private entry(conv: string): Entry {
    const had = this.entries.get(conv);
    if (had) return had;
    const channel = this.store.keys.live(conv);
    const e: Entry = { conv, channel, slot: this.slotOf(channel) };
    this.entries.set(conv, e);
    this.byChannel.set(channel, e);
    return e;
  }

  private async subscribeAt(node: string, group: Entry[]): Promise<void> {
    await this.shards.subscribe(
      node,
      group.map((e) => e.channel),
      READY_WITHIN_MS,
    );
    for (const e of group) e.node = node;
  }

  /**
   * A node's connection closed, or Redis unsubscribed it from a slot (a failover, a migration).
   * Which channels it dropped is not said, and the slots a node reports right after may still
   * be the old ones: every conversation it carried goes down and is subscribed again where its
   * slot is served now (a replica may serve it; a node that lost the slot answers MOVED).
   */
  private lost(node: string, why: 'closed' | 'moved'): void {
    if (this.closed) return;
    const gone = [...this.entries.values()].filter((e) => e.node === node);
    if (gone.length === 0) return;
    for (const e of gone) {
      e.node = undefined;
      if (why === 'moved') e.left = node;
      this.moving.add(e);
    }
    this.listener?.down(gone.map((e) => e.conv));
    void this.rehome();
  }

  /** Subscribes moving conversations at their slot's owner until none is left, then `up`. */
  private async rehome(): Promise<void> {
    if (this.rehoming) return;
    this.rehoming = true;
    try {
      for (let attempt = 0; this.moving.size > 0 && !this.closed; attempt++) {
        if (attempt > 0) await sleep(Math.min(100 * 2 ** attempt, REHOME_MAX_WAIT_MS));
        await this.shards.refresh();
        for (const group of bySlot([...this.moving])) {
          const node = this.shards.ownerOf(group[0]?.slot ?? -1);
          if (!node) continue;
          // A map still naming the node that dropped us is old (nodes learn a failover by
          // gossip); subscribed there, a demoted primary may not be sent its shard's messages.
          if (node === group[0]?.left && attempt < AVOID_ROUNDS) continue;
          try {
            await this.subscribeAt(node, group);
          } catch {
            continue;
          }
          for (const e of group) e.left = undefined;
          const back = group.filter((e) => this.moving.delete(e) && this.entries.get(e.conv) === e);
          if (back.length > 0) this.listener?.up(back.map((e) => e.conv));
        }
      }
    } finally {
      this.rehoming = false;
    }
    this.settleSoon();
  }

  /**
   * Right after a failover a node may still answer with the old slots, so a conversation can
   * land on a replica, and a replica is sent its shard's messages only once its new primary has
   * heard of it: what was said meanwhile may not have reached us. A moment later, each one not
   * at its slot's primary goes down, is subscribed there, dropped where it was, and comes up
   * (the listener catches it up). Connections that carry nothing and serve no slot are closed.
   */
  private settleSoon(round = 0): void {
    clearTimeout(this.settleTimer);
    if (round >= SETTLE_ROUNDS) return;
    this.settleTimer = setTimeout(() => void this.settle(round), SETTLE_AFTER_MS * (round + 1));
    this.settleTimer.unref();
  }

  private async settle(round: number): Promise<void> {
    if (this.closed || this.rehoming || this.settling) return;
    this.settling = true;
    try {
      await this.moveAstray();
    } finally {
      this.settling = false;
    }
    if (this.moving.size > 0) void this.rehome();
    // Nodes learn a failover by gossip: look again a little later, in case this answer was old.
    else if (round < SETTLE_ROUNDS) this.settleSoon(round + 1);
  }

  private async moveAstray(): Promise<void> {
    await this.shards.refresh();
    const astray = [...this.entries.values()].filter(
      (e) => e.node !== undefined && e.node !== this.shards.ownerOf(e.slot),
    );
    for (const group of bySlot(astray)) {
      const node = this.shards.ownerOf(group[0]?.slot ?? -1);
      if (!node) continue;
      const from = group.map((e) => e.node);
      this.listener?.down(group.map((e) => e.conv));
      try {
        await this.subscribeAt(node, group);
      } catch {
        for (const e of group) {
          e.node = undefined;
          this.moving.add(e);
        }
        continue;
      }
      group.forEach((e, i) => {
        const old = from[i];
        if (old && old !== node) this.shards.unsubscribe(old, e.channel);
      });
      const back = group.filter((e) => this.entries.get(e.conv) === e);
      if (back.length > 0) this.listener?.up(back.map((e) => e.conv));
    }
    const owners = new Set(this.cluster.slots.map((s) => s[0]));
    const used = new Set([...this.entries.values()].map((e) => e.node));
    for (const n of this.shards.nodes()) if (!owners.has(n) && !used.has(n)) this.shards.drop(n);
  }
}

function bySlot(entries: Entry[]): Entry[][] {
  const groups = new Map<number, Entry[]>();
  for (const e of entries) {
    const g = groups.get(e.slot);
    if (g) g.push(e);
    else groups.set(e.slot, [e]);
  }
  return [...groups.values()];
}
