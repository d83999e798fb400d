import { setTimeout as sleep } from 'node:timers/promises';
import {
  deadGateways,
  dropSession,
  heartbeat,
  reapGateway,
  takeReapedMark,
  cleanupSession,
  type SessionRecord,
} from '../store/gateways.js';
import { liveMatches, readAssignments } from '../store/matches.js';
import type { GatewayCore } from './gateway-core.js';

/**
 * The gateway's background loop: heartbeat, cleanup after dead gateways, and a reconcile of
 * its own records with its live sessions (cleanups that failed while Redis was away).
 */
export async function startHousekeeping(
  core: GatewayCore,
  everyMs: number,
  signal: AbortSignal,
): Promise<void> {
  const { store, log, metrics } = core;
  let tick = 0;
  while (!signal.aborted) {
    try {
      const rejoined = await heartbeat(store, core.gw).then(
        (r) => {
          metrics.heartbeats.inc({ outcome: 'ok' });
          return r;
        },
        (err: unknown) => {
          metrics.heartbeats.inc({ outcome: 'failed' });
          throw err;
        },
      );
      // Back in the list: either Redis lost its data (restore handles that) or the fleet
      // declared us dead and a reaper freed our users' nicks and places (it left a mark).
      if (rejoined && (await takeReapedMark(store, core.gw))) core.declaredDead();
      for (const gw of await deadGateways(store, core.limits.gatewayTimeoutMs)) {
        if (gw === core.gw) continue;
        const n = await reapGateway(store, gw, core.gw, log, core.limits.gatewayTimeoutMs);
        // -1: another gateway holds the reap lock and does the work.
        if (n < 0) continue;
        metrics.reaps.inc();
        metrics.reapedSessions.inc(n);
      }
      await reconcileMatches(core);
      if (tick++ % 5 === 0) await reconcile(core);
    } catch (err) {
      log.debug({ err: String(err) }, 'housekeeping skipped');
    }
    await sleep(everyMs, undefined, { signal }).catch(() => undefined);
  }
}

async function reconcile(core: GatewayCore): Promise<void> {
  const { store } = core;
  const state = await store.redis.hgetall(store.keys.gatewayState(core.gw));
  for (const [sid, raw] of Object.entries(state)) {
    if (core.sessions.has(sid)) continue;
    await cleanupSession(store, sid, JSON.parse(raw) as SessionRecord);
    await dropSession(store, core.gw, sid);
  }
}

/**
 * The matchmaker's `matched` and a match room's `end` can each be missed (a crash between two
 * steps, an event published while unsubscribed). Waiting sessions pick up an assignment left
 * for them; matched sessions whose match record is gone hear that their partner left.
 */
async function reconcileMatches(core: GatewayCore): Promise<void> {
  const all = [...core.sessions.values()].filter((s) => !s.closed);
  const waiting = all.filter((s) => s.waiting && !s.match);
  if (waiting.length > 0) {
    const found = await readAssignments(
      core.store,
      waiting.map((s) => s.sid),
    );
    for (const [sid, a] of found) void core.sessions.get(sid)?.matched(a.room, a.partner, a.tags);
  }
  const matched = all.filter((s) => s.match);
  if (matched.length === 0) return;
  const live = await liveMatches(
    core.store,
    matched.map((s) => s.match?.room ?? ''),
  );
  for (const s of matched) {
    const room = s.match?.room;
    if (room !== undefined && !live.has(room)) s.partnerEnded(room, '');
  }
}
