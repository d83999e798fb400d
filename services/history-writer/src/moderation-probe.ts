import { banActive, readBans, redisTimeMs, reportsBacklog } from '@chatfleet/store';
import type { WriterContext } from './context.js';

/** Bans are read whole (up to 10,000): once per this many probes, not every one. */
const BANS_EVERY = 6;

/**
 * What moderators have waiting (open reports, and how long the oldest has waited) and the
 * active bans, for `ChatfleetReportsWaiting` and the dashboards. The writer is the fleet's one
 * steady reader of its streams; the moderators' command runs now and then.
 */
export async function probeModeration(ctx: WriterContext, round: number): Promise<void> {
  try {
    const now = await redisTimeMs(ctx.store, ctx.keys.reports());
    const { open, oldestAt } = await reportsBacklog(ctx.store);
    ctx.metrics.reportsOpen.set(open);
    ctx.metrics.reportsOldestSeconds.set(
      oldestAt === undefined ? 0 : Math.max(0, now - oldestAt) / 1000,
    );
    if (round % BANS_EVERY !== 0) return;
    const { bans } = await readBans(ctx.store);
    const active = bans.filter((b) => banActive(b, now));
    for (const kind of ['ident', 'address'] as const)
      ctx.metrics.bans.set({ kind }, active.filter((b) => b.kind === kind).length);
  } catch (err) {
    ctx.log.debug({ err: String(err) }, 'moderation probe failed');
  }
}
