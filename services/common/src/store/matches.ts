import { conv } from '../redis/keys.js';
import { guarded, type StoreContext } from './context.js';

export interface Ticket {
  sid: string;
  nick: string;
  gw: string;
  tags: string[];
  /** When the user asked to be matched (ms). */
  ts: number;
}

/** What the matchmaker records for a match: only these two may use its room. */
export interface MatchRecord {
  room: string;
  a: string;
  b: string;
  tags: string[];
  ts: number;
}

async function appendRequest(ctx: StoreContext, fields: (string | number)[]): Promise<void> {
  await guarded(() =>
    ctx.redis.xadd(ctx.keys.matchRequests(), 'MAXLEN', '~', 100_000, '*', ...fields),
  );
}

/** Queues a match request. `v` orders requests of one session whichever instance handles them. */
export async function requestMatch(ctx: StoreContext, t: Ticket, v: number): Promise<void> {
  await appendRequest(ctx, ['op', 'match', 'sid', t.sid, 'v', v, 't', JSON.stringify(t)]);
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

/** Ends a match: the record goes first, so a partner still arriving sees it gone. */
export async function endMatch(ctx: StoreContext, room: string, sid: string): Promise<void> {
  await guarded(() => ctx.redis.del(ctx.keys.match(room)));
  await guarded(() =>
    ctx.redis.publish(ctx.keys.live(conv.room(room)), JSON.stringify({ k: 'end', sid, room })),
  );
}
