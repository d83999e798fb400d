import type { RedisClient } from '@chatfleet/runtime';
import type { StoredMessage } from '@chatfleet/protocol';
import { Batch } from './batch.js';
import type { Keys } from './keys.js';
import { execAll, guarded, type StoreContext } from './context.js';

/** A block lasts this long after the blocker last used their identity (each welcome renews it). */
export const BLOCK_KEEP_MS = 30 * 24 * 3600 * 1000;
export const MAX_BLOCKS = 1000;
/** Reports kept for moderators: the newest this many, for at most REPORTS_MAX_AGE_MS. */
export const REPORTS_MAX = 10_000;
export const REPORTS_MAX_AGE_MS = 90 * 24 * 3600 * 1000;
/** A report's context: each message's text cut to this many characters… */
export const REPORT_TEXT_CHARS = 300;
/** …and the newest messages that fit in this many bytes of JSON: a report stays under ~5 KB. */
export const REPORT_CONTEXT_BYTES = 4096;

/**
 * The context a report keeps: the newest messages, each text cut short, as many as fit in
 * REPORT_CONTEXT_BYTES, oldest first. With the count and age caps this bounds the stream in
 * bytes (about 10,000 × 5 KB), whatever people paste into a chat.
 */
export function reportContext(messages: StoredMessage[]): string {
  const out: string[] = [];
  let bytes = 2;
  for (const m of [...messages].reverse()) {
    if (m.removed) continue;
    const text =
      m.text.length > REPORT_TEXT_CHARS ? `${m.text.slice(0, REPORT_TEXT_CHARS)}…` : m.text;
    const json = JSON.stringify({ id: m.id, from: m.from, text: text.toWellFormed(), ts: m.ts });
    bytes += Buffer.byteLength(json) + 1;
    if (bytes > REPORT_CONTEXT_BYTES) break;
    out.unshift(json);
  }
  return `[${out.join(',')}]`;
}

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

/** Keeps a returning identity's blocks for another BLOCK_KEEP_MS and reads them, in one round trip. */
export async function takeUpBlocks(ctx: StoreContext, me: string): Promise<Set<string>> {
  const key = ctx.keys.blocks(me);
  const [, [, members]] = (await execAll(
    ctx.redis.multi().pexpire(key, BLOCK_KEEP_MS).smembers(key),
  )) as [unknown, [null, string[]]];
  return new Set(members);
}

/** An identity's blocks (the identities it blocked). */
export async function readBlocks(ctx: StoreContext, me: string): Promise<Set<string>> {
  return new Set(await guarded(() => ctx.redis.smembers(ctx.keys.blocks(me))));
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
  ctx: { redis: RedisClient; keys: Keys },
  idents: string[],
): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  const unique = [...new Set(idents.filter((i) => i !== ''))];
  if (unique.length === 0) return out;
  const batch = new Batch(ctx.redis);
  for (const id of unique) {
    const key = ctx.keys.blocks(id);
    batch.add(key, (p) => p.smembers(key));
  }
  const res = await batch.exec();
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

/**
 * Appends to a moderation stream (reports, audit), bounded by count (REPORTS_MAX) and age
 * (REPORTS_MAX_AGE_MS); resolves with the entry's id.
 */
export async function appendBounded(
  ctx: StoreContext,
  key: string,
  fields: Record<string, string>,
): Promise<string> {
  // The fleet clock is an estimate with a fraction: a stream id wants whole milliseconds.
  const oldest = `${Math.max(0, Math.floor(ctx.clock.now() - REPORTS_MAX_AGE_MS))}-0`;
  const res = await execAll(
    ctx.redis
      .multi()
      .xadd(key, 'MAXLEN', '~', REPORTS_MAX, '*', ...Object.entries(fields).flat())
      .xtrim(key, 'MINID', '~', oldest),
  );
  return String(res[0]?.[1] ?? '');
}

/** Files a report for moderators (XRANGE the stream to read them); resolves with its id. */
export function fileReport(ctx: StoreContext, r: Report): Promise<string> {
  return appendBounded(ctx, ctx.keys.reports(), {
    by: r.by,
    byIdent: r.byIdent,
    nick: r.nick,
    ident: r.ident,
    where: r.where,
    reason: r.reason,
    messages: reportContext(r.messages),
  });
}
