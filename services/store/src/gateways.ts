import type { StreamEntry } from './streams/consumer-group.js';
import { execAll, guarded, pipelineEach, type StoreContext } from './context.js';
import { conv } from './keys.js';
import { dropInboxEntries, inboxEvent } from './inbox.js';
import { abandonMatch, endMatch } from './matches.js';
import { releaseNick, routeDm } from './nicks.js';
import { leaveRoom } from './rooms.js';

/** What another gateway needs to clean up after a session whose gateway died. */
export interface SessionRecord {
  nick: string;
  rooms: string[];
  match?: string;
}

export async function saveSession(
  ctx: StoreContext,
  gw: string,
  sid: string,
  rec: SessionRecord,
): Promise<void> {
  const key = ctx.keys.gatewayState(gw);
  // The record is a lease too: if no gateway is left to reap this one, it expires.
  await execAll(
    ctx.redis.multi().hset(key, sid, JSON.stringify(rec)).pexpire(key, ctx.limits.leaseMs),
  );
}

/** What a gateway holds for its sessions and must renew, or lose when LEASE_MS runs out. */
export interface Holdings {
  /** The gateway whose session records are renewed. */
  gw: string;
  /** Nicks its users claimed. */
  nicks: Iterable<string>;
  /** Rooms its users are members of. */
  rooms: Iterable<string>;
}

const RENEW_CHUNK = 1000;

/**
 * Renews every lease a gateway holds: its session records, its users' nick claims and the
 * member lists they are in, a pipeline per thousand keys.
 */
export async function renewHoldings(ctx: StoreContext, h: Holdings): Promise<void> {
  const { keys } = ctx;
  const all = new Set<string>([keys.gatewayState(h.gw)]);
  for (const nick of h.nicks) all.add(keys.nick(nick.toLowerCase()));
  for (const room of h.rooms) all.add(keys.members(conv.room(room)));
  await pipelineEach(
    ctx,
    [...all],
    RENEW_CHUNK,
    (k) => k,
    (pipe, k) => pipe.pexpire(k, ctx.limits.leaseMs),
  );
}

/** The sessions a gateway has records of. */
export async function recordedSessions(ctx: StoreContext, gw: string): Promise<string[]> {
  return guarded(() => ctx.redis.hkeys(ctx.keys.gatewayState(gw)));
}

/** One session's record, if its gateway still has it. */
export async function sessionRecord(
  ctx: StoreContext,
  gw: string,
  sid: string,
): Promise<SessionRecord | undefined> {
  const raw = await guarded(() => ctx.redis.hget(ctx.keys.gatewayState(gw), sid));
  return raw === null ? undefined : (JSON.parse(raw) as SessionRecord);
}

/** How many session records a gateway has left. */
export async function recordCount(ctx: StoreContext, gw: string): Promise<number> {
  return guarded(() => ctx.redis.hlen(ctx.keys.gatewayState(gw)));
}

export async function dropSession(ctx: StoreContext, gw: string, sid: string): Promise<void> {
  await guarded(() => ctx.redis.hdel(ctx.keys.gatewayState(gw), sid));
}

export async function deregister(
  ctx: StoreContext,
  gw: string,
  gatewayTimeoutMs: number,
): Promise<void> {
  await settleInbox(ctx, gw, gatewayTimeoutMs);
  // Separate calls, not one MULTI: the keys live in different cluster slots.
  await guarded(() => ctx.redis.del(ctx.keys.gatewayState(gw), ctx.keys.inbox(gw)));
  await guarded(() => ctx.redis.zrem(ctx.keys.gateways(), gw));
}

/**
 * Settles what a gateway that is gone never handled: DMs are routed again past it (to the
 * nick's new connection, or the mailbox), matches it was told of are ended for the partner.
 */
async function settleInbox(ctx: StoreContext, gw: string, gatewayTimeoutMs: number): Promise<void> {
  for (;;) {
    const entries = (await guarded(() =>
      ctx.redis.xrange(ctx.keys.inbox(gw), '-', '+', 'COUNT', 200),
    )) as StreamEntry[];
    if (entries.length === 0) return;
    for (const [, flat] of entries) {
      const env = inboxEvent(flat);
      if (env?.k === 'dm') await routeDm(ctx, env.m, 'again', gatewayTimeoutMs, { deadGw: gw });
      if (env?.k === 'matched') await abandonMatch(ctx, env.room, env.sid);
    }
    await dropInboxEntries(
      ctx,
      gw,
      entries.map((e) => e[0]),
    );
  }
}

/** Cleans up after one session: member lists, match partner, nick. Safe to repeat. */
export async function cleanupSession(
  ctx: StoreContext,
  sid: string,
  rec: SessionRecord,
): Promise<void> {
  if (rec.match) await endMatch(ctx, rec.match, sid);
  for (const room of rec.rooms) await leaveRoom(ctx, room, rec.nick, sid);
  await releaseNick(ctx, rec.nick, sid, true);
}
