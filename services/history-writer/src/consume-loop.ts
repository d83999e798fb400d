import { setTimeout as sleep } from 'node:timers/promises';
import { GROUP, type WriterContext } from './context.js';
import { materialize, type Entry } from './materialize.js';

export async function ensureGroups(ctx: WriterContext): Promise<void> {
  for (const stream of ctx.keys.allEvents()) {
    try {
      await ctx.redis.xgroup('CREATE', stream, GROUP, '0', 'MKSTREAM');
    } catch (err) {
      if (!(err instanceof Error && err.message.includes('BUSYGROUP'))) throw err;
    }
  }
}

async function handle(ctx: WriterContext, stream: string, entries: Entry[]): Promise<void> {
  const valid = entries.filter((e) => Array.isArray(e[1]));
  if (valid.length > 0) await materialize(ctx, valid);
  // Acknowledged only after the writes: a crash in between leaves them pending, to be reclaimed.
  if (entries.length > 0) await ctx.redis.xack(stream, GROUP, ...entries.map((e) => e[0]));
}

async function reclaim(ctx: WriterContext): Promise<void> {
  const { consumer, claimIdleMs, batchSize } = ctx.config;
  for (const stream of ctx.keys.allEvents()) {
    let cursor = '0-0';
    do {
      const [next, claimed] = (await ctx.redis.xautoclaim(
        stream,
        GROUP,
        consumer,
        claimIdleMs,
        cursor,
        'COUNT',
        batchSize,
      )) as [string, Entry[]];
      if (claimed.length > 0) {
        ctx.metrics.reclaimed.inc(claimed.length);
        ctx.log.info({ stream, count: claimed.length }, 'reclaimed pending entries');
        await handle(ctx, stream, claimed);
      }
      cursor = next;
    } while (cursor !== '0-0');
  }
}

/** Reads every partition stream with the consumer group; takes over what dead consumers left. */
export async function consumeLoop(ctx: WriterContext, signal: AbortSignal): Promise<void> {
  const streams = ctx.keys.allEvents();
  let lastClaim = 0;
  let groupsReady = false;
  while (!signal.aborted) {
    try {
      if (!groupsReady) {
        await ensureGroups(ctx);
        groupsReady = true;
      }
      if (Date.now() - lastClaim >= ctx.config.claimIdleMs / 2) {
        lastClaim = Date.now();
        await reclaim(ctx);
      }
      const res = (await ctx.reader.xreadgroup(
        'GROUP',
        GROUP,
        ctx.config.consumer,
        'COUNT',
        ctx.config.batchSize,
        'BLOCK',
        5000,
        'STREAMS',
        ...streams,
        ...streams.map(() => '>'),
      )) as [string, Entry[]][] | null;
      for (const [stream, entries] of res ?? []) await handle(ctx, stream, entries);
    } catch (err) {
      if (signal.aborted) break;
      if (err instanceof Error && err.message.includes('NOGROUP')) groupsReady = false;
      ctx.log.warn({ err: String(err) }, 'stream loop error');
      await sleep(500, undefined, { signal }).catch(() => undefined);
    }
  }
}
