import { setTimeout as sleep } from 'node:timers/promises';
import { redisMemory } from '@chatfleet/runtime';
import { redisTimeMs } from '@chatfleet/store';
import { GROUP, type WriterContext } from './context.js';
import { probeModeration } from './moderation-probe.js';

/** Publishes the group's lag and pending counts, and forgets consumers long gone. */
export async function lagLoop(
  ctx: WriterContext,
  signal: AbortSignal,
  everyMs = 5000,
): Promise<void> {
  for (let round = 0; !signal.aborted; round++) {
    try {
      let lag = 0;
      let pending = 0;
      // Each stream's oldest unread entry against its own node's clock, which stamped it.
      let lagMs = 0;
      for (const stream of ctx.keys.allEvents()) {
        const groups = (await ctx.redis.xinfo('GROUPS', stream)) as unknown[][];
        for (const g of groups) {
          const info = infoMap(g);
          if (info.get('name') !== GROUP) continue;
          const behind = Number(info.get('lag') ?? 0) || 0;
          lag += behind;
          pending += Number(info.get('pending') ?? 0) || 0;
          if (behind > 0) {
            const oldest = await firstAfter(ctx, stream, info);
            if (Number.isFinite(oldest))
              lagMs = Math.max(lagMs, (await redisTimeMs(ctx, stream)) - oldest);
          }
        }
        const consumers = (await ctx.redis.xinfo('CONSUMERS', stream, GROUP)) as unknown[][];
        for (const c of consumers) {
          const info = infoMap(c);
          if (Number(info.get('pending')) === 0 && Number(info.get('idle')) > 3_600_000) {
            await ctx.redis.xgroup('DELCONSUMER', stream, GROUP, String(info.get('name')));
          }
        }
      }
      ctx.metrics.lagEntries.set(lag);
      ctx.metrics.pendingEntries.set(pending);
      ctx.metrics.lagSeconds.set(Math.max(0, lagMs) / 1000);
    } catch (err) {
      ctx.log.debug({ err: String(err) }, 'lag probe failed');
    }
    await probeMemory(ctx);
    await probeModeration(ctx, round);
    await sleep(everyMs, undefined, { signal }).catch(() => undefined);
  }
}

/**
 * Redis's memory and its limit: the whole fleet shares one Redis, which refuses every write
 * once full (ChatfleetRedisMemoryHigh warns well before).
 */
async function probeMemory(ctx: WriterContext): Promise<void> {
  try {
    const { used, max } = await redisMemory(ctx.redis);
    if (Number.isFinite(used)) ctx.metrics.redisMemory.set(used);
    if (Number.isFinite(max)) ctx.metrics.redisMaxMemory.set(max);
  } catch (err) {
    ctx.log.debug({ err: String(err) }, 'memory probe failed');
  }
}

/** When the oldest entry the group has not read was added (ms, from its id). */
async function firstAfter(
  ctx: WriterContext,
  stream: string,
  info: Map<string, unknown>,
): Promise<number> {
  const last = String(info.get('last-delivered-id') ?? '0-0');
  const next = await ctx.redis.xrange(stream, `(${last}`, '+', 'COUNT', 1);
  const id = next[0]?.[0];
  return id ? Number(id.split('-')[0]) : Infinity;
}

/** An XINFO reply (name, value, name, value…) as a map. */
function infoMap(flat: unknown[]): Map<string, unknown> {
  const info = new Map<string, unknown>();
  for (let i = 0; i + 1 < flat.length; i += 2) info.set(String(flat[i]), flat[i + 1]);
  return info;
}
