import { setTimeout as sleep } from 'node:timers/promises';
import type { Cluster } from 'ioredis';
import type { BrokerListener } from './conversation-broker.js';
import type { ShardSubscribers } from './shard-subscribers.js';

/** One conversation's subscription: its channel, its slot, and the node confirmed to carry it. */
export interface Entry {
  conv: string;
  channel: string;
  slot: number;
  node?: string;
  /** The node that unsubscribed it unasked: not its slot's primary any more, whatever the map says. */
  left?: string;
}

/** What the homes need of the broker that owns the entries. */
export interface HomesOwner {
  entries(): Iterable<Entry>;
  /** Still subscribed by the gateway (not unsubscribed while it moved). */
  current(e: Entry): boolean;
  listener(): BrokerListener | undefined;
}

const READY_WITHIN_MS = 2000;
const REHOME_MAX_WAIT_MS = 1000;
const SETTLE_AFTER_MS = 2000;
const SETTLE_ROUNDS = 3;
/** How often the subscriptions are compared with the slot map, whatever happened. */
const SETTLE_EVERY_MS = 30_000;
/** Rounds (about 2.5 s) a rehome waits for the slot map to stop naming the node that left. */
const AVOID_ROUNDS = 5;

/**
 * Where each conversation's subscription lives on a cluster, and moving it: after a drop
 * (`rehome`, until every one is subscribed at its slot's owner again) and, a moment after any
 * move and every `settleEveryMs`, when the slot map says it is not at its slot's primary
 * (`settle`). A conversation moved goes `down` first and comes `up` once Redis confirmed it.
 */
export class ConversationHomes {
  /** Conversations waiting to be subscribed at their slot's owner. */
  readonly moving = new Set<Entry>();
  private rehoming = false;
  private settling = false;
  private settleTimer: NodeJS.Timeout | undefined;
  private readonly settleEvery: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly cluster: Cluster,
    private readonly shards: ShardSubscribers,
    private readonly owner: HomesOwner,
    settleEveryMs = SETTLE_EVERY_MS,
  ) {
    // A subscribe made on an old map may have landed on a replica without any drop to say so.
    this.settleEvery = setInterval(() => void this.settle(SETTLE_ROUNDS), settleEveryMs);
    this.settleEvery.unref();
  }

  /** Subscribes a group of one slot's conversations at a node; Redis confirmed it on return. */
  async subscribeAt(node: string, group: Entry[]): Promise<void> {
    await this.shards.subscribe(
      node,
      group.map((e) => e.channel),
      READY_WITHIN_MS,
    );
    for (const e of group) e.node = node;
  }

  /** These conversations are subscribed nowhere now: they wait for `rehome`. */
  strand(group: Entry[], leftNode?: string): void {
    for (const e of group) {
      e.node = undefined;
      if (leftNode !== undefined) e.left = leftNode;
      this.moving.add(e);
    }
  }

  /** Subscribes moving conversations at their slot's owner until none is left, then `up`. */
  async rehome(): Promise<void> {
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
          await this.homeAt(node, group);
        }
      }
    } finally {
      this.rehoming = false;
    }
    this.settleSoon();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.settleTimer);
    clearInterval(this.settleEvery);
  }

  /**
   * The one step of every move: subscribe the group at `node`; once Redis confirmed it, drop it
   * where it was before and say `up` (the listener catches it up). False if it failed.
   */
  private async homeAt(node: string, group: Entry[]): Promise<boolean> {
    const from = group.map((e) => e.node);
    try {
      await this.subscribeAt(node, group);
    } catch {
      return false;
    }
    group.forEach((e, i) => {
      const old = from[i];
      if (old && old !== node) this.shards.unsubscribe(old, e.channel);
      e.left = undefined;
      this.moving.delete(e);
    });
    const back = group.filter((e) => this.owner.current(e));
    if (back.length > 0) this.owner.listener()?.up(back.map((e) => e.conv));
    return true;
  }

  /**
   * Right after a failover a node may still answer with the old slots, so a conversation can
   * land on a replica, and a replica is sent its shard's messages only once its new primary has
   * heard of it: what was said meanwhile may not have reached us. A moment later, each one not
   * at its slot's primary goes down, is subscribed there, dropped where it was, and comes up.
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

  /** Moves conversations found away from their slot's primary; closes connections left idle. */
  private async moveAstray(): Promise<void> {
    await this.shards.refresh();
    const astray = [...this.owner.entries()].filter(
      (e) => e.node !== undefined && e.node !== this.shards.ownerOf(e.slot),
    );
    for (const group of bySlot(astray)) {
      const node = this.shards.ownerOf(group[0]?.slot ?? -1);
      if (!node) continue;
      this.owner.listener()?.down(group.map((e) => e.conv));
      if (await this.homeAt(node, group)) continue;
      // Down already: it is dropped where it was and waits for `rehome` like any other.
      for (const e of group) if (e.node) this.shards.unsubscribe(e.node, e.channel);
      this.strand(group);
    }
    const owners = new Set(this.cluster.slots.map((s) => s[0]));
    const used = new Set([...this.owner.entries()].map((e) => e.node));
    for (const n of this.shards.nodes()) if (!owners.has(n) && !used.has(n)) this.shards.drop(n);
  }
}

export function bySlot(entries: Entry[]): Entry[][] {
  const groups = new Map<number, Entry[]>();
  for (const e of entries) {
    const g = groups.get(e.slot);
    if (g) g.push(e);
    else groups.set(e.slot, [e]);
  }
  return [...groups.values()];
}
