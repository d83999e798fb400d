import { untilAborted, type RedisClient } from '@chatfleet/runtime';
import type { ControlEnvelope } from '../envelopes.js';
import { dropInboxEntries, inboxEvent } from '../inbox.js';
import type { StoreContext } from '../context.js';
import type { StreamEntry } from '../streams/consumer-group.js';

/** One inbox entry: its event, or undefined when it is not one (logged and dropped). */
export interface InboxEntry {
  id: string;
  env: ControlEnvelope | undefined;
}

/**
 * A gateway's inbox as the gateway core sees it: events for its sessions, in order, kept until
 * handled. The core never holds the connection behind it.
 */
export interface GatewayInbox {
  /**
   * The next entries after `after` ('0-0' at first), waiting a while for some; [] when none
   * came, undefined when aborted before the store answered.
   */
  read(after: string, signal: AbortSignal): Promise<InboxEntry[] | undefined>;
  /** Forgets entries once handled. */
  drop(ids: string[]): Promise<void>;
  /** Ends a read that waits (on shutdown). */
  close(): void;
}

/** The inbox stream in Redis, read by a blocking connection of its own. */
export class RedisGatewayInbox implements GatewayInbox {
  constructor(
    private readonly reader: RedisClient,
    private readonly store: StoreContext,
    private readonly gw: string,
  ) {}

  async read(after: string, signal: AbortSignal): Promise<InboxEntry[] | undefined> {
    const key = this.store.keys.inbox(this.gw);
    const res = (await untilAborted(
      this.reader.xread('COUNT', 200, 'BLOCK', 5000, 'STREAMS', key, after),
      signal,
    )) as [string, StreamEntry[]][] | null | undefined;
    if (res === undefined) return undefined;
    return (res ?? []).flatMap(([, entries]) =>
      entries.map(([id, flat]) => ({ id, env: inboxEvent(flat) })),
    );
  }

  drop(ids: string[]): Promise<void> {
    return dropInboxEntries(this.store, this.gw, ids);
  }

  close(): void {
    this.reader.disconnect();
  }
}
