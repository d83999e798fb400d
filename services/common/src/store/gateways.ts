import type { Logger } from '../logger.js';
import type { StreamEntry } from '../streams/consumer-group.js';
import { guarded, type StoreContext } from './context.js';
import { dropInboxEntries, inboxEvent } from './inbox.js';
import { abandonMatch, endMatch, readAssignments } from './matches.js';
import { releaseNick, routeDm } from './nicks.js';
import { leaveRoom } from './rooms.js';

/** What another gateway needs to clean up after a session whose gateway died. */
export interface SessionRecord {
  nick: string;
  rooms: string[];
  match?: string;
}

/** Renews the gateway's liveness; true when it was not in the fleet's list any more. */
export async function heartbeat(ctx: StoreContext, gw: string): Promise<boolean> {
  return (await guarded(() => ctx.redis.zadd(ctx.keys.gateways(), Date.now(), gw))) === 1;
}

/** True (once) when a reaper cleaned this gateway up: it was declared dead while alive. */
export async function takeReapedMark(ctx: StoreContext, gw: string): Promise<boolean> {
  return (await guarded(() => ctx.redis.del(ctx.keys.reaped(gw)))) === 1;
}

export async function saveSession(
  ctx: StoreContext,
  gw: string,
  sid: string,
  rec: SessionRecord,
): Promise<void> {
  await guarded(() => ctx.redis.hset(ctx.keys.gatewayState(gw), sid, JSON.stringify(rec)));
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

/** Gateways that sent a heartbeat within `timeoutMs`. */
export async function liveGateways(
  ctx: Pick<StoreContext, 'redis' | 'keys'>,
  timeoutMs: number,
): Promise<Set<string>> {
  const ids = await guarded(() =>
    ctx.redis.zrangebyscore(ctx.keys.gateways(), Date.now() - timeoutMs, '+inf'),
  );
  return new Set(ids);
}

/** Gateways whose last heartbeat is older than `timeoutMs`. */
export async function deadGateways(ctx: StoreContext, timeoutMs: number): Promise<string[]> {
  return guarded(() =>
    ctx.redis.zrangebyscore(ctx.keys.gateways(), '-inf', `(${Date.now() - timeoutMs}`),
  );
}

/** Cleans up after one session: member lists, match partner, nick. Safe to repeat. */
export async function cleanupSession(
  ctx: StoreContext,
  sid: string,
  rec: SessionRecord,
): Promise<void> {
  if (rec.match) await endMatch(ctx, rec.match, sid);
  for (const room of rec.rooms) await leaveRoom(ctx, room, rec.nick, sid);
  await releaseNick(ctx, rec.nick, sid);
}

/**
 * Takes over the cleanup of a dead gateway. A lock keeps two reapers from doing it twice;
 * each step is idempotent, so a reaper that dies halfway leaves work the next one redoes.
 * Returns the sessions cleaned, or -1 when another reaper holds the lock.
 */
export async function reapGateway(
  ctx: StoreContext,
  gw: string,
  me: string,
  log: Logger,
  gatewayTimeoutMs: number,
): Promise<number> {
  const got = await guarded(() => ctx.redis.set(ctx.keys.reapLock(gw), me, 'PX', 30_000, 'NX'));
  if (got !== 'OK') return -1;
  // Before any cleanup: a gateway that was only stalled must learn its sessions are void.
  await guarded(() => ctx.redis.set(ctx.keys.reaped(gw), me, 'PX', 3_600_000));
  const state = await guarded(() => ctx.redis.hgetall(ctx.keys.gatewayState(gw)));
  // Paired, but the gateway died before taking the match in: the partner is queued again.
  const assigned = await readAssignments(ctx, Object.keys(state));
  let n = 0;
  for (const [sid, raw] of Object.entries(state)) {
    try {
      const rec = JSON.parse(raw) as SessionRecord;
      const a = assigned.get(sid);
      if (a && a.room !== rec.match) await abandonMatch(ctx, a.room, sid);
      await cleanupSession(ctx, sid, rec);
      await guarded(() => ctx.redis.hdel(ctx.keys.gatewayState(gw), sid));
      n++;
    } catch (err) {
      log.warn({ gw, sid, err: String(err) }, 'reap session failed');
    }
  }
  await deregister(ctx, gw, gatewayTimeoutMs);
  log.info({ gw, sessions: n }, 'reaped dead gateway');
  return n;
}
