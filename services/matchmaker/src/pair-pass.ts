import {
  blocksOf,
  liveGateways,
  mgetChunked,
  redisTimeMs,
  releaseLockScript,
  type Ticket,
} from '@chatfleet/store';
import type { MatchmakerContext } from './context.js';
import { parseMet } from './met.js';
import { pairTickets, who, type Met } from './pairing.js';
import { commitPair, dropTicket, loadQueue } from './queue.js';

/**
 * One pairing pass over the oldest waiting tickets (MATCH_PASS_MAX of them, 20,000 by default:
 * far more than ever wait at once, so a ticket nobody can take never hides those behind it). A short lock keeps instances from
 * doing the same work at once; the commit script is what keeps a ticket from being used twice.
 */
export async function pairPass(ctx: MatchmakerContext): Promise<number> {
  const { redis, keys, config, metrics } = ctx;
  const got = await redis.set(keys.matchLock(), config.consumer, 'PX', 5000, 'NX');
  if (got !== 'OK') return 0;
  try {
    const queue = await loadQueue(redis, keys, config.passMax);
    // Waits are measured on Redis's clock, which dated the tickets.
    const now = await redisTimeMs(ctx, keys.matchRequests());
    const alive = await liveGateways(ctx, config.gatewayTimeoutMs);
    // Right after Redis was away every gateway looks silent: their tickets wait, not dropped.
    const sure = ctx.redisHeld.judgesSilence();
    const live = [];
    for (const q of queue) {
      if (alive.has(q.ticket.gw)) live.push(q);
      else if (sure) {
        await dropTicket(redis, keys, q);
        metrics.dropped.inc({ reason: 'gateway_gone' });
      }
    }
    let made = 0;
    if (live.length >= 2) {
      const whos = [...new Set(live.map((q) => who(q.ticket)))];
      const met = new Map<string, Met>();
      for (const [w, raw] of await mgetChunked(redis, whos, (w) => keys.met(w))) {
        const m = parseMet(raw);
        if (m) met.set(w, m);
      }
      const blocks = await blocksOf(
        ctx,
        live.map((q) => q.ticket.ident ?? ''),
      );
      const raw = new Map(live.map((q) => [q.ticket.sid, q.raw]));
      const tickets: Ticket[] = live.map((q) => q.ticket);
      const input = {
        tickets,
        now,
        widenMs: config.widenMs,
        met,
        repeatRelaxMs: config.repeatRelaxMs,
        blocks,
        perAddress: config.perAddress,
      };
      for (const pair of pairTickets(input)) {
        const room = await commitPair(ctx, pair, raw, met, config.repeatBlockMs, now);
        if (!room) {
          metrics.skipped.inc();
          continue;
        }
        made++;
        metrics.matches.inc();
        for (const t of [pair.a, pair.b])
          metrics.timeToMatch.observe(Math.max(0, now - t.ts) / 1000);
        ctx.log.debug({ room, a: pair.a.nick, b: pair.b.nick, tags: pair.tags }, 'matched');
      }
    }
    metrics.queueLength.set(await redis.zcard(keys.matchQueue()));
    return made;
  } finally {
    await releaseLockScript.run(redis, keys, { lock: keys.matchLock(), owner: config.consumer });
  }
}
