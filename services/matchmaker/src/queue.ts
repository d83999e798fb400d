import type { RedisClient } from '@chatfleet/runtime';
import { randomBytes } from 'node:crypto';
import {
  appendInbox,
  assignmentJson,
  type ControlEnvelope,
  type Keys,
  type MatchRecord,
  type StoreContext,
  type Ticket,
} from '@chatfleet/store';
import { metAfter } from './met.js';
import { who, type Met, type Pair } from './pairing.js';
import { applyRequestScript, commitPairScript, dropTicketScript } from './scripts.js';

export interface QueuedTicket {
  ticket: Ticket;
  raw: string;
}

const DAY = 24 * 3600 * 1000;

/**
 * Applies one request from the stream to the waiting queue. A ticket is dated by its request's
 * stream id (Redis's clock), or keeps the date it carries when the fleet queues it again.
 */
export async function applyRequest(
  redis: RedisClient,
  keys: Keys,
  id: string,
  fields: Record<string, string>,
): Promise<boolean> {
  const { op, sid, v } = fields;
  let { t } = fields;
  if ((op !== 'match' && op !== 'cancel' && op !== 'update') || !sid || !v) return false;
  let score = 0;
  if (op === 'match' || op === 'update') {
    try {
      const ticket = JSON.parse(t ?? '') as Ticket;
      const kept = (op === 'update' || fields['why'] === 'requeue') && ticket.ts > 0;
      ticket.ts = kept ? ticket.ts : Number(id.split('-')[0]);
      score = ticket.ts;
      t = JSON.stringify(ticket);
    } catch {
      return false;
    }
  }
  const res = await applyRequestScript.run(redis, keys, {
    op,
    sid,
    v,
    ticket: t ?? '',
    score,
    ttlMs: DAY,
  });
  return res === 1;
}

/** The oldest `max` waiting tickets, oldest first. */
export async function loadQueue(
  redis: RedisClient,
  keys: Keys,
  max: number,
): Promise<QueuedTicket[]> {
  const sids = await redis.zrange(keys.matchQueue(), 0, String(max - 1));
  if (sids.length === 0) return [];
  const raws = await redis.hmget(keys.matchTickets(), ...sids);
  const out: QueuedTicket[] = [];
  raws.forEach((raw, i) => {
    if (raw === null) {
      void redis.zrem(keys.matchQueue(), sids[i] ?? '');
      return;
    }
    try {
      out.push({ ticket: JSON.parse(raw) as Ticket, raw });
    } catch {
      void dropTicketScript.run(redis, keys, { sid: sids[i] ?? '', raw });
    }
  });
  return out;
}

export async function dropTicket(redis: RedisClient, keys: Keys, q: QueuedTicket): Promise<void> {
  await dropTicketScript.run(redis, keys, { sid: q.ticket.sid, raw: q.raw });
}

/**
 * Commits a pair, then tells both gateways through their inboxes. Resolves undefined if a
 * ticket changed. If this process dies between the two steps, the gateways find the
 * assignments the commit left. `met` is what the pass read of whom each had met.
 */
export async function commitPair(
  ctx: Pick<StoreContext, 'redis' | 'keys'>,
  pair: Pair,
  raw: Map<string, string>,
  met: Map<string, Met>,
  repeatBlockMs: number,
  now: number,
): Promise<string | undefined> {
  const { redis, keys } = ctx;
  const room = `m-${randomBytes(6).toString('hex')}`;
  const { a, b, tags } = pair;
  const rec: MatchRecord = {
    room,
    a: a.nick.toLowerCase(),
    b: b.nick.toLowerCase(),
    ...(a.ident ? { ia: a.ident } : {}),
    ...(b.ident ? { ib: b.ident } : {}),
    tags,
    ts: now,
  };
  const side = (other: typeof a) => ({
    room,
    partner: other.nick,
    ...(other.ident ? { partnerIdent: other.ident } : {}),
    tags,
  });
  const envA: ControlEnvelope = { k: 'matched', sid: a.sid, ...side(b) };
  const envB: ControlEnvelope = { k: 'matched', sid: b.sid, ...side(a) };
  const pairSide = (x: typeof a, other: typeof a) => ({
    who: who(x),
    sid: x.sid,
    raw: raw.get(x.sid) ?? '',
    met: metAfter(met.get(who(x)), x, other),
    assignment: assignmentJson(side(other)),
  });
  const ok = await commitPairScript.run(redis, keys, {
    a: pairSide(a, b),
    b: pairSide(b, a),
    room,
    match: JSON.stringify(rec),
    ttlMs: DAY,
    repeatBlockMs,
  });
  if (ok !== 1) return undefined;
  await Promise.all([appendInbox(ctx, a.gw, envA), appendInbox(ctx, b.gw, envB)]);
  return room;
}
