import type { RedisClient } from '@chatfleet/runtime';
import { conv } from './keys.js';
import { clearAssignedScript } from './lua/scripts.js';
import { Batch } from './batch.js';
import { execAll, guarded, type StoreContext } from './context.js';
import { endEnvelope } from './envelopes.js';

export interface Ticket {
  sid: string;
  nick: string;
  /** The identity behind the nick: whom it blocked, and who blocked it, are never paired. */
  ident?: string;
  gw: string;
  tags: string[];
  /** When the user asked to be matched (ms, Redis's clock). */
  ts: number;
  /** The client's address group (addressGroup): pairing is fair across addresses. */
  addr?: string;
}

/** What the matchmaker records for a match: only these two may use its room. */
export interface MatchRecord {
  room: string;
  /** Lowercase nicks when matched (for display only: a rename keeps the match). */
  a: string;
  b: string;
  /** The two identities: only they may use the room. */
  ia?: string;
  ib?: string;
  tags: string[];
  ts: number;
}

/** Appends a request; resolves the Redis time (ms) of its stream id. */
async function appendRequest(ctx: StoreContext, fields: (string | number)[]): Promise<number> {
  const id = await guarded(() =>
    ctx.redis.xadd(ctx.keys.matchRequests(), 'MAXLEN', '~', 100_000, '*', ...fields),
  );
  return Number((id ?? '0').split('-')[0]);
}

/**
 * Queues a match request. `v` orders requests of one session whichever instance handles them;
 * `requeue` marks a session the fleet queues again on its own (its match fell through): it
 * keeps its place, `t.ts`. Otherwise the matchmaker dates the ticket by the request's stream id,
 * Redis's clock, which this resolves: no host's clock decides who waited longest.
 * `update` (a rename while waiting) replaces a ticket still waiting, in its place, and never
 * queues one that was paired meanwhile.
 */
export async function requestMatch(
  ctx: StoreContext,
  t: Ticket,
  v: number,
  how: 'new' | 'requeue' | 'update' = 'new',
): Promise<number> {
  const op = how === 'update' ? 'update' : 'match';
  const fields = ['op', op, 'sid', t.sid, 'v', v, 't', JSON.stringify(t)];
  const at = await appendRequest(ctx, how === 'requeue' ? [...fields, 'why', 'requeue'] : fields);
  return how !== 'new' && t.ts > 0 ? t.ts : at;
}

export async function cancelMatch(ctx: StoreContext, sid: string, v: number): Promise<void> {
  await appendRequest(ctx, ['op', 'cancel', 'sid', sid, 'v', v]);
}

export async function readMatch(ctx: StoreContext, room: string): Promise<MatchRecord | undefined> {
  const raw = await guarded(() => ctx.redis.get(ctx.keys.match(room)));
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as MatchRecord;
  } catch {
    return undefined;
  }
}

/**
 * Ends a match: the record goes first, so a partner still arriving sees it gone. `gone` says
 * this side never took part (its session or gateway vanished): the partner is queued again.
 */
export async function endMatch(
  ctx: StoreContext,
  room: string,
  sid: string,
  why?: 'gone',
): Promise<void> {
  const batch = new Batch(ctx.redis);
  queueEndMatch(batch, ctx, room, sid, why);
  await execAll(batch);
}

/**
 * Adds an `endMatch` to a batch: the record's DEL (done first, on a cluster too), the `end`
 * event, and a short life for what the match room kept (nobody can open it again). Returns the
 * number of replies it adds.
 */
export function queueEndMatch(
  batch: Batch,
  ctx: StoreContext,
  room: string,
  sid: string,
  why?: 'gone',
): number {
  const c = conv.room(room);
  const { keys } = ctx;
  batch.add(keys.match(room), (p) => p.del(keys.match(room)));
  const live = keys.live(c);
  batch.add(live, (p) => p.call(keys.publish, live, endEnvelope(sid, room, why)), 1);
  const kept = [keys.pos(c), keys.window(c), keys.history(c)];
  for (const k of kept) batch.add(k, (p) => p.pexpire(k, ctx.limits.matchKeepMs), 1);
  return 2 + kept.length;
}

/**
 * Ends a match this session never took part in (it or its gateway vanished before taking it
 * in): the partner is queued again, and the session's assignment is forgotten.
 */
export async function abandonMatch(ctx: StoreContext, room: string, sid: string): Promise<void> {
  await endMatch(ctx, room, sid, 'gone');
  await clearAssigned(ctx, sid, room);
}

/** What the matchmaker leaves for a session until its gateway has taken the match in. */
export interface Assignment {
  room: string;
  partner: string;
  /** The partner's identity: blocks and reports follow it through renames. */
  partnerIdent?: string;
  tags: string[];
}

/** The serialized assignment starts with its room, so it can be compared by prefix. */
export const assignmentJson = (a: Assignment): string =>
  JSON.stringify({
    room: a.room,
    partner: a.partner,
    ...(a.partnerIdent ? { partnerIdent: a.partnerIdent } : {}),
    tags: a.tags,
  });

/** Assignments of these sessions still waiting to be taken in. */
export async function readAssignments(
  ctx: StoreContext,
  sids: string[],
): Promise<Map<string, Assignment>> {
  const out = new Map<string, Assignment>();
  const found = await guarded(() => mgetChunked(ctx.redis, sids, (s) => ctx.keys.assigned(s)));
  for (const [sid, v] of found) {
    try {
      out.set(sid, JSON.parse(v) as Assignment);
    } catch {
      // a broken value is left to expire
    }
  }
  return out;
}

/** MGET of one key per item, 500 at a time (all under {mm}): the items whose key has a value. */
export async function mgetChunked(
  redis: RedisClient,
  items: string[],
  key: (item: string) => string,
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (let i = 0; i < items.length; i += 500) {
    const chunk = items.slice(i, i + 500);
    const vals = await redis.mget(...chunk.map(key));
    vals.forEach((v, j) => {
      if (v) out.set(chunk[j] ?? '', v);
    });
  }
  return out;
}

/** Forgets a session's assignment once handled, unless it is already a newer one. */
/** Adds a `clearAssigned` to a batch. */
export function queueClearAssigned(
  batch: Batch,
  ctx: StoreContext,
  sid: string,
  room: string,
): void {
  clearAssignedScript.batch(batch, ctx.keys, { sid, room }, 1);
}

export async function clearAssigned(ctx: StoreContext, sid: string, room: string): Promise<void> {
  await guarded(() => clearAssignedScript.run(ctx.redis, ctx.keys, { sid, room }));
}

/** Which of these match rooms still have a record. */
export async function liveMatches(ctx: StoreContext, rooms: string[]): Promise<Set<string>> {
  const found = await guarded(() => mgetChunked(ctx.redis, rooms, (r) => ctx.keys.match(r)));
  return new Set(found.keys());
}
