import { conv, execAll, idFromMs, parseStored, routeDm, type StreamEntry } from '@chatfleet/common';
import type { WriterContext } from './context.js';

const MATCH_CONV = conv.room('m-');

/**
 * Writes one batch of one partition stream into per-conversation history and, for DMs to
 * someone offline, their mailbox. Every write is idempotent (sorted sets keyed by the exact
 * stored message), so replaying a batch after a crash duplicates nothing.
 */
export async function materialize(ctx: WriterContext, entries: StreamEntry[]): Promise<void> {
  const { redis, keys, config, metrics } = ctx;
  const minId = idFromMs(Date.now() - config.historyMaxAgeMs);
  const pipe = redis.pipeline();
  const dms = [];
  for (const [, flat] of entries) {
    const raw = flat[flat.indexOf('m') + 1];
    const m = raw !== undefined ? parseStored(raw) : undefined;
    if (!m || raw === undefined) {
      metrics.events.inc({ kind: 'bad' });
      continue;
    }
    const key = keys.history(m.conv);
    pipe.zadd(key, m.id, raw);
    pipe.zremrangebyrank(key, 0, -(config.historyMaxCount + 1));
    pipe.zremrangebyscore(key, '-inf', `(${minId}`);
    // Nobody can open a match room again once it ended: its history goes soon after.
    const keep = m.conv.startsWith(MATCH_CONV)
      ? Math.min(config.historyMaxAgeMs, config.store.matchKeepMs)
      : config.historyMaxAgeMs;
    pipe.pexpire(key, keep);
    if (m.to !== undefined) dms.push(m);
    metrics.events.inc({ kind: m.to !== undefined ? 'dm' : 'room' });
    metrics.delay.observe(Math.max(0, Date.now() - m.ts) / 1000);
  }
  await execAll(pipe);
  // Backup for DMs whose sender's gateway died before routing them: kept if still offline.
  for (const m of dms) await routeDm(ctx.store, m, 'store', config.gatewayTimeoutMs);
}
