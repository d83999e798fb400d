import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@chatfleet/runtime';
import type { ControlEnvelope, GatewayInbox } from '@chatfleet/store';

export interface InboxOptions {
  inbox: GatewayInbox;
  log: Logger;
  /** Handles one event; throws to have it (and what follows) read again later. */
  handle(env: ControlEnvelope): Promise<void>;
}

/**
 * Reads this gateway's inbox in order. An entry leaves the inbox only once handled, so events
 * that arrive while the reader is disconnected wait for it, and what a dead gateway never
 * handled is still there for its reaper.
 */
export async function runInbox(o: InboxOptions, signal: AbortSignal): Promise<void> {
  let last = '0-0';
  while (!signal.aborted) {
    const done: string[] = [];
    try {
      const entries = await o.inbox.read(last, signal);
      if (entries === undefined) break; // aborted before Redis answered; a reply that came is handled
      for (const { id, env } of entries) {
        if (env) await o.handle(env);
        else o.log.warn({ id }, 'bad inbox entry');
        last = id;
        done.push(id);
      }
    } catch (err) {
      if (signal.aborted) break;
      o.log.warn({ err: String(err) }, 'inbox read failed, retrying');
      await sleep(500, undefined, { signal }).catch(() => undefined);
    }
    await o.inbox.drop(done).catch(() => undefined);
  }
}
