import { conv, execAll } from '@chatfleet/store';
import type { GatewayParts } from './gateway-parts.js';

const CHUNK = 1000;

/**
 * Renews every lease this gateway holds: its session records, its users' nick claims and the
 * member lists they are in, a pipeline per thousand keys. A gateway that stops renewing (it
 * died, and no reaper got to it) loses them all when LEASE_MS runs out.
 */
export async function renewLeases(core: GatewayParts): Promise<void> {
  const { store } = core;
  const keys = new Set<string>([store.keys.gatewayState(core.gw)]);
  for (const s of core.sessions.values()) {
    if (s.closed || s.nick === undefined) continue;
    keys.add(store.keys.nick(s.nick.toLowerCase()));
    for (const room of s.rooms.keys()) keys.add(store.keys.members(conv.room(room)));
  }
  const all = [...keys];
  const ms = store.limits.leaseMs;
  try {
    for (let i = 0; i < all.length; i += CHUNK) {
      const pipe = store.redis.pipeline();
      for (const k of all.slice(i, i + CHUNK)) pipe.pexpire(k, ms);
      await execAll(pipe);
    }
    core.metrics.leaseRenewals.inc({ outcome: 'ok' });
  } catch (err) {
    core.metrics.leaseRenewals.inc({ outcome: 'failed' });
    throw err;
  }
}
