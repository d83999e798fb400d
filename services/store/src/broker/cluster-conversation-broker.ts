import type { Cluster, Redis } from 'ioredis';
import type { StoreContext } from '../context.js';
import { type LiveEnvelope, parseEnvelope } from '../envelopes.js';
import type { BrokerListener, ConversationBroker } from './conversation-broker.js';
import { bySlot, ConversationHomes, type Entry } from './conversation-homes.js';
import { StoredConversations } from './stored-conversations.js';
import { ShardSubscribers } from './shard-subscribers.js';

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
  private closed = false;
  private readonly shards: ShardSubscribers;
  private readonly homes: ConversationHomes;

  constructor(
    store: StoreContext,
    private readonly cluster: Cluster,
    open: (node: string) => Redis,
    /** The cluster's slot of a key (the broker never computes CRC16 itself). */
    private readonly slotOf: (key: string) => number,
    settleEveryMs?: number,
  ) {
    super(store);
    this.shards = new ShardSubscribers(cluster, open, {
      message: (channel, payload) => {
        const e = this.byChannel.get(channel);
        if (e) this.listener?.message(e.conv, parseEnvelope<LiveEnvelope>(payload));
      },
      lost: (node, why) => this.lost(node, why),
    });
    this.homes = new ConversationHomes(
      cluster,
      this.shards,
      {
        entries: () => this.entries.values(),
        current: (e) => this.entries.get(e.conv) === e,
        listener: () => this.listener,
      },
      settleEveryMs,
    );
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
        await this.homes.subscribeAt(node, group);
      } catch {
        failed = true;
        this.homes.strand(group.filter((e) => this.entries.get(e.conv) === e));
      }
    }
    if (failed) {
      void this.homes.rehome();
      throw new Error('subscription not confirmed: its shard is moving');
    }
  }

  unsubscribe(conv: string): void {
    const e = this.entries.get(conv);
    if (!e) return;
    this.entries.delete(conv);
    this.byChannel.delete(e.channel);
    this.homes.moving.delete(e);
    if (e.node) this.shards.unsubscribe(e.node, e.channel);
  }

  status(): string {
    if (this.cluster.status !== 'ready') return this.cluster.status;
    const moving = this.homes.moving.size;
    return moving > 0 ? `ready, ${moving} moving` : 'ready';
  }

  close(): void {
    this.closed = true;
    this.homes.close();
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
    this.homes.strand(gone, why === 'moved' ? node : undefined);
    this.listener?.down(gone.map((e) => e.conv));
    void this.homes.rehome();
  }
}
