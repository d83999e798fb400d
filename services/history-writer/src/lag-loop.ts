import { setTimeout as sleep } from 'node:timers/promises';
import { GROUP, type WriterContext } from './context.js';

/** Publishes the group's lag and pending counts, and forgets consumers long gone. */
export async function lagLoop(
  ctx: WriterContext,
  signal: AbortSignal,
  everyMs = 5000,
): Promise<void> {
  while (!signal.aborted) {
    try {
      let lag = 0;
      let pending = 0;
      for (const stream of ctx.keys.allEvents()) {
        const groups = (await ctx.redis.xinfo('GROUPS', stream)) as unknown[][];
        for (const g of groups) {
          const info = new Map<string, unknown>();
          for (let i = 0; i + 1 < g.length; i += 2) info.set(String(g[i]), g[i + 1]);
          if (info.get('name') !== GROUP) continue;
          lag += Number(info.get('lag') ?? 0) || 0;
          pending += Number(info.get('pending') ?? 0) || 0;
        }
        const consumers = (await ctx.redis.xinfo('CONSUMERS', stream, GROUP)) as unknown[][];
        for (const c of consumers) {
          const info = new Map<string, unknown>();
          for (let i = 0; i + 1 < c.length; i += 2) info.set(String(c[i]), c[i + 1]);
          if (Number(info.get('pending')) === 0 && Number(info.get('idle')) > 3_600_000) {
            await ctx.redis.xgroup('DELCONSUMER', stream, GROUP, String(info.get('name')));
          }
        }
      }
      ctx.metrics.lagEntries.set(lag);
      ctx.metrics.pendingEntries.set(pending);
    } catch (err) {
      ctx.log.debug({ err: String(err) }, 'lag probe failed');
    }
    await sleep(everyMs, undefined, { signal }).catch(() => undefined);
  }
}
