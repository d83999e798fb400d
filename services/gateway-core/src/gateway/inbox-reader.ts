import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { type Logger, untilAborted } from '@chatfleet/runtime';
import {
  type ControlEnvelope,
  dropInboxEntries,
  inboxEvent,
  type StoreContext,
  type StreamEntry,
} from '@chatfleet/store';

export interface InboxOptions {
  /** A connection of its own for the blocking read. */
  reader: Redis;
  store: StoreContext;
  gw: string;
  log: Logger;
  /** Handles one event; throws to have it (and what follows) read again later. */
  handle(env: ControlEnvelope): Promise<void>;
}

/**
 * Reads this gateway's inbox stream in order. An entry leaves the stream only once handled,
 * so events that arrive while the reader is disconnected wait for it, and what a dead gateway
 * never handled is still there for its reaper.
 */
export async function runInbox(o: InboxOptions, signal: AbortSignal): Promise<void> {
  const key = o.store.keys.inbox(o.gw);
  let last = '0-0';
  while (!signal.aborted) {
    const done: string[] = [];
    try {
      const res = (await untilAborted(
        o.reader.xread('COUNT', 200, 'BLOCK', 5000, 'STREAMS', key, last),
        signal,
      )) as [string, StreamEntry[]][] | null | undefined;
      if (res === undefined) break; // aborted before Redis answered; a reply that came is handled
      for (const [, entries] of res ?? []) {
        for (const [id, flat] of entries) {
          const env = inboxEvent(flat);
          if (env) await o.handle(env);
          else o.log.warn({ id }, 'bad inbox entry');
          last = id;
          done.push(id);
        }
      }
    } catch (err) {
      if (signal.aborted) break;
      o.log.warn({ err: String(err) }, 'inbox read failed, retrying');
      await sleep(500, undefined, { signal }).catch(() => undefined);
    }
    await dropInboxEntries(o.store, o.gw, done).catch(() => undefined);
  }
}
