import { setTimeout as sleep } from 'node:timers/promises';
import {
  deadGateways,
  dropSession,
  heartbeat,
  reapGateway,
  cleanupSession,
  type SessionRecord,
} from '../store/gateways.js';
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
      await heartbeat(store, core.gw);
      metrics.redisUp.set(1);
      for (const gw of await deadGateways(store, core.limits.gatewayTimeoutMs)) {
        if (gw !== core.gw) await reapGateway(store, gw, core.gw, log);
      }
      if (tick++ % 5 === 0) await reconcile(core);
    } catch (err) {
      metrics.redisUp.set(0);
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
