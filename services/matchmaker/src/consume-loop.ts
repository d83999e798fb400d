import { setTimeout as sleep } from 'node:timers/promises';
import { GROUP, type MatchmakerContext } from './context.js';
import { applyRequest } from './queue.js';

type Entry = [id: string, fields: string[]];

const toFields = (flat: string[]): Record<string, string> => {
  const o: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) o[flat[i] ?? ''] = flat[i + 1] ?? '';
  return o;
};

export async function ensureGroup(ctx: MatchmakerContext): Promise<void> {
  try {
    await ctx.redis.xgroup('CREATE', ctx.keys.matchRequests(), GROUP, '0', 'MKSTREAM');
  } catch (err) {
    if (!(err instanceof Error && err.message.includes('BUSYGROUP'))) throw err;
  }
}

async function handle(ctx: MatchmakerContext, entries: Entry[]): Promise<number> {
  const stream = ctx.keys.matchRequests();
  for (const [id, flat] of entries) {
    const fields = toFields(flat);
    const applied = await applyRequest(ctx.redis, ctx.keys, fields);
    if (applied) ctx.metrics.requests.inc({ op: fields['op'] ?? 'match' });
    // Acknowledged only once applied: a crash before this line leaves it pending, to be reclaimed.
    await ctx.redis.xack(stream, GROUP, id);
  }
  return entries.length;
}

/**
 * Reads match requests with the consumer group and applies them to the queue. Requests a
 * dead instance left pending are claimed after claimIdleMs. Calls `after` after each batch.
 */
export async function consumeLoop(
  ctx: MatchmakerContext,
  signal: AbortSignal,
  after: () => Promise<void>,
): Promise<void> {
  const stream = ctx.keys.matchRequests();
  const { consumer, claimIdleMs } = ctx.config;
  let lastClaim = 0;
  let groupReady = false;
  while (!signal.aborted) {
    try {
      if (!groupReady) {
        await ensureGroup(ctx);
        groupReady = true;
      }
      if (Date.now() - lastClaim >= claimIdleMs / 2) {
        lastClaim = Date.now();
        const [, claimed] = (await ctx.redis.xautoclaim(
          stream,
          GROUP,
          consumer,
          claimIdleMs,
          '0-0',
          'COUNT',
          500,
        )) as [string, Entry[]];
        if (claimed.length > 0) {
          ctx.log.info({ count: claimed.length }, 'reclaimed pending requests');
          await handle(
            ctx,
            claimed.filter((e) => Array.isArray(e[1])),
          );
        }
      }
      const res = (await ctx.reader.xreadgroup(
        'GROUP',
        GROUP,
        consumer,
        'COUNT',
        200,
        'BLOCK',
        5000,
        'STREAMS',
        stream,
        '>',
      )) as [string, Entry[]][] | null;
      const entries = res?.[0]?.[1] ?? [];
      if (entries.length > 0) {
        await handle(ctx, entries);
        await after();
      }
    } catch (err) {
      if (signal.aborted) break;
      if (err instanceof Error && err.message.includes('NOGROUP')) groupReady = false;
      ctx.log.warn({ err: String(err) }, 'request loop error');
      await sleep(500, undefined, { signal }).catch(() => undefined);
    }
  }
}
