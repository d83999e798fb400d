import type { StoredMessage } from '../protocol/frames.js';
import type { Keys } from '../redis/keys.js';
import type { Redis } from 'ioredis';
import { execAll, guarded, type StoreContext } from './context.js';

/** A block lasts this long after the blocker last used their identity (each welcome renews it). */
export const BLOCK_KEEP_MS = 30 * 24 * 3600 * 1000;
export const MAX_BLOCKS = 1000;
/** Reports kept for moderators; the oldest go first past this many. */
export const REPORTS_MAX = 100_000;

/** `me` blocks `them` (identities): neither is matched with or can DM the other again. */
export async function addBlock(ctx: StoreContext, me: string, them: string): Promise<void> {
  const key = ctx.keys.blocks(me);
  await execAll(ctx.redis.multi().sadd(key, them).pexpire(key, BLOCK_KEEP_MS));
}

export async function blockCount(ctx: StoreContext, me: string): Promise<number> {
  return guarded(() => ctx.redis.scard(ctx.keys.blocks(me)));
}

export async function removeBlock(ctx: StoreContext, me: string, them: string): Promise<void> {
  await guarded(() => ctx.redis.srem(ctx.keys.blocks(me), them));
}

/** Keeps a returning identity's blocks for another BLOCK_KEEP_MS. */
export async function renewBlocks(ctx: StoreContext, me: string): Promise<void> {
  await guarded(() => ctx.redis.pexpire(ctx.keys.blocks(me), BLOCK_KEEP_MS));
}

/** Whether either identity blocked the other. */
export async function blockedBetween(ctx: StoreContext, a: string, b: string): Promise<boolean> {
  const [x, y] = await guarded(() =>
    Promise.all([
      ctx.redis.sismember(ctx.keys.blocks(a), b),
      ctx.redis.sismember(ctx.keys.blocks(b), a),
    ]),
  );
  return x === 1 || y === 1;
}

/** The blocks of many identities at once (the matchmaker's pass). */
export async function blocksOf(
  ctx: { redis: Redis; keys: Keys },
  idents: string[],
): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  const unique = [...new Set(idents.filter((i) => i !== ''))];
  if (unique.length === 0) return out;
  const pipe = ctx.redis.pipeline();
  for (const id of unique) pipe.smembers(ctx.keys.blocks(id));
  const res = (await pipe.exec()) ?? [];
  unique.forEach((id, i) => {
    const members = res[i]?.[1];
    if (Array.isArray(members) && members.length > 0) out.set(id, new Set(members as string[]));
  });
  return out;
}

export interface Report {
  by: string;
  byIdent: string;
  nick: string;
  ident: string;
  /** Where it happened: a match room, or `dm`. */
  where: string;
  reason: string;
  /** The conversation's last messages, oldest first. */
  messages: StoredMessage[];
}

/** Files a report for moderators (XRANGE the stream to read them); resolves with its id. */
export async function fileReport(ctx: StoreContext, r: Report): Promise<string> {
  const context = r.messages.map((m) => ({ id: m.id, from: m.from, text: m.text, ts: m.ts }));
  const id = await guarded(() =>
    ctx.redis.xadd(
      ctx.keys.reports(),
      'MAXLEN',
      '~',
      REPORTS_MAX,
      '*',
      'by',
      r.by,
      'byIdent',
      r.byIdent,
      'nick',
      r.nick,
      'ident',
      r.ident,
      'where',
      r.where,
      'reason',
      r.reason,
      'messages',
      JSON.stringify(context),
    ),
  );
  return id ?? '';
}
