import { parseEnvelope, type ControlEnvelope } from './envelopes.js';
import { fieldsOf } from './streams/consumer-group.js';
import { execAll, guarded, type StoreContext } from './context.js';

// A gateway that is never read again (it died and was reaped) must not keep a stream forever.
const INBOX_TTL_MS = 24 * 3600 * 1000;
const INBOX_MAXLEN = 100_000;
const FIELD = 'e';

/** The event in one inbox entry's fields, or undefined if it is not one. */
export function inboxEvent(fields: string[]): ControlEnvelope | undefined {
  return parseEnvelope<ControlEnvelope>(fieldsOf(fields)[FIELD] ?? '');
}

/**
 * Appends an event to a gateway's inbox stream. Unlike Pub/Sub, the event waits there while the
 * gateway's reader is disconnected, and a reaper can route what a dead gateway never read.
 */
export async function appendInbox(
  ctx: Pick<StoreContext, 'redis' | 'keys'>,
  gw: string,
  env: ControlEnvelope,
): Promise<void> {
  const key = ctx.keys.inbox(gw);
  await execAll(
    ctx.redis
      .multi()
      .xadd(key, 'MAXLEN', '~', INBOX_MAXLEN, '*', FIELD, JSON.stringify(env))
      .pexpire(key, INBOX_TTL_MS),
  );
}

/** Forgets inbox entries once they were handled. */
export async function dropInboxEntries(
  ctx: StoreContext,
  gw: string,
  ids: string[],
): Promise<void> {
  if (ids.length > 0) await guarded(() => ctx.redis.xdel(ctx.keys.inbox(gw), ...ids));
}
