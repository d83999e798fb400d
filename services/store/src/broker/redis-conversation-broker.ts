import type { Redis } from 'ioredis';
import type { StoreContext } from '../context.js';
import { type LiveEnvelope, parseEnvelope } from '../envelopes.js';
import type { BrokerListener, ConversationBroker } from './conversation-broker.js';
import { StoredConversations } from './stored-conversations.js';

const SUBSCRIBE_CHUNK = 1000;

/** Conversations in one Redis: the `send` script, and Pub/Sub on a subscriber connection. */
export class RedisConversationBroker extends StoredConversations implements ConversationBroker {
  /** The conversations subscribed to, by their live channel. */
  private readonly convs = new Map<string, string>();
  /** Bumped whenever the connection closes: a resubscribe begun before proves nothing. */
  private generation = 0;

  constructor(
    store: StoreContext,
    private readonly sub: Redis,
  ) {
    super(store);
  }

  listen(l: BrokerListener): void {
    this.sub.on('message', (channel: string, payload: string) => {
      const conv = this.convs.get(channel);
      if (conv !== undefined) l.message(conv, parseEnvelope<LiveEnvelope>(payload));
    });
    this.sub.on('close', () => {
      this.generation++;
      l.down();
    });
    this.sub.on('ready', () => void this.resubscribe(l));
  }

  /** Connected again: every channel anew, and only once Redis confirmed them all, `up`. */
  private async resubscribe(l: BrokerListener): Promise<void> {
    const gen = this.generation;
    const channels = [...this.convs.keys()];
    try {
      for (let i = 0; i < channels.length; i += SUBSCRIBE_CHUNK) {
        await this.sub.subscribe(...channels.slice(i, i + SUBSCRIBE_CHUNK));
      }
    } catch {
      return; // dropped again; the next ready starts over
    }
    if (gen === this.generation) l.up();
  }

  connected(): boolean {
    return this.sub.status === 'ready';
  }

  async subscribe(convs: string[]): Promise<void> {
    const channels = convs.map((c) => {
      const channel = this.store.keys.live(c);
      this.convs.set(channel, c);
      return channel;
    });
    // ioredis resolves once Redis answered every SUBSCRIBE: from then on nothing is missed.
    await this.sub.subscribe(...channels);
  }

  unsubscribe(conv: string): void {
    const channel = this.store.keys.live(conv);
    this.convs.delete(channel);
    if (this.connected()) this.sub.unsubscribe(channel).catch(() => undefined);
  }

  status(): string {
    return this.sub.status;
  }
}
