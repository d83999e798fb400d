import { Batch } from './batch.js';
import { execAll, guarded, type StoreContext } from './context.js';
import type { LiveEnvelope } from './envelopes.js';
import { nickHolder } from './nicks.js';

/** Tells a conversation's live channel that someone is typing; nothing is stored. */
export async function publishTyping(
  ctx: StoreContext,
  conv: string,
  env: Extract<LiveEnvelope, { k: 't' }>,
): Promise<void> {
  const live = ctx.keys.live(conv);
  await execAll(
    new Batch(ctx.redis).add(live, (p) => p.call(ctx.keys.publish, live, JSON.stringify(env))),
  );
}

/**
 * Where a DM partner is connected, and whether they blocked `me`; undefined when they are away
 * (their nick only kept for its token), `no_such_nick` when nobody holds it.
 */
export async function typingTarget(
  ctx: StoreContext,
  nick: string,
  me: string,
): Promise<{ gw: string; sid: string; ident: string; blocksMe: boolean } | undefined> {
  const { ident, gw, sid } = await nickHolder(ctx, nick);
  if (!gw || !sid) return undefined;
  const blocksMe = (await guarded(() => ctx.redis.sismember(ctx.keys.blocks(ident), me))) === 1;
  return { gw, sid, ident, blocksMe };
}
