import type { StoredMessage } from '../protocol/frames.js';
import { sendScript } from '../redis/scripts.js';
import { guarded, type StoreContext } from './context.js';

export interface SendInput {
  conv: string;
  from: string;
  text: string;
  room?: string;
  to?: string;
  /** Publish on the conversation's live channel (rooms); DMs are routed instead. */
  publish: boolean;
  sid: string;
  ref?: string;
}

/** Appends and publishes one message atomically; resolves with the stamped message. */
export async function sendMessage(ctx: StoreContext, m: SendInput): Promise<StoredMessage> {
  const { keys, limits } = ctx;
  const body = JSON.stringify({
    conv: m.conv,
    from: m.from,
    text: m.text,
    ...(m.room !== undefined ? { room: m.room } : {}),
    ...(m.to !== undefined ? { to: m.to } : {}),
  }).slice(0, -1);
  const envelope = `{"k":"m","sid":${JSON.stringify(m.sid)}${m.ref !== undefined ? `,"ref":${JSON.stringify(m.ref)}` : ''},"m":`;
  const channel = m.publish ? keys.live(m.conv) : '';
  const lockKey = m.room !== undefined ? keys.roomLock(m.conv) : keys.recent(m.conv);
  const res = (await guarded(() =>
    sendScript.run(
      ctx.redis,
      [keys.seq(m.conv), keys.recent(m.conv), keys.events(keys.partitionOf(m.conv)), lockKey],
      [m.conv, body, limits.recentMax, limits.recentTtlMs, limits.eventsMaxLen, channel, envelope],
    ),
  )) as [string, string];
  return {
    conv: m.conv,
    from: m.from,
    text: m.text,
    ...(m.room !== undefined ? { room: m.room } : {}),
    ...(m.to !== undefined ? { to: m.to } : {}),
    id: Number(res[0]),
    ts: Number(res[1]),
  };
}

export function parseStored(raw: string): StoredMessage | undefined {
  try {
    const m = JSON.parse(raw) as StoredMessage;
    return typeof m.id === 'number' && typeof m.conv === 'string' ? m : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The newest `limit` messages before `before`, oldest first: the recovery window and the
 * durable history merged, since the writer may lag behind the window.
 */
export async function readHistory(
  ctx: StoreContext,
  conv: string,
  before: number | undefined,
  limit: number,
): Promise<StoredMessage[]> {
  const max = before === undefined ? '+inf' : `(${before}`;
  const [recent, hist] = await guarded(() =>
    Promise.all([
      ctx.redis.zrevrangebyscore(ctx.keys.recent(conv), max, '-inf', 'LIMIT', 0, limit),
      ctx.redis.zrevrangebyscore(ctx.keys.history(conv), max, '-inf', 'LIMIT', 0, limit),
    ]),
  );
  const byId = new Map<number, StoredMessage>();
  for (const raw of [...recent, ...hist]) {
    const m = parseStored(raw);
    if (m) byId.set(m.id, m);
  }
  return [...byId.values()]
    .sort((a, b) => b.id - a.id)
    .slice(0, limit)
    .reverse();
}

/** Messages of a conversation after id `after` (exclusive), oldest first, at most `max`. */
export async function readSince(
  ctx: StoreContext,
  conv: string,
  after: number,
  max: number,
): Promise<StoredMessage[]> {
  const raw = await guarded(() =>
    ctx.redis.zrangebyscore(ctx.keys.recent(conv), `(${after}`, '+inf', 'LIMIT', 0, max),
  );
  return raw.map(parseStored).filter((m): m is StoredMessage => m !== undefined);
}
