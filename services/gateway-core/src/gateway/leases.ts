import type { GatewayParts } from './gateway-parts.js';

/**
 * Renews every lease this gateway holds: its session records, its users' nick claims and the
 * member lists they are in. A gateway that stops renewing (it died, and no reaper got to it)
 * loses them all when LEASE_MS runs out.
 */
export async function renewLeases(core: GatewayParts): Promise<void> {
  const nicks: string[] = [];
  const rooms = new Set<string>();
  for (const s of core.sessions.values()) {
    if (s.closed || s.nick === undefined) continue;
    nicks.push(s.nick);
    for (const room of s.rooms.keys()) rooms.add(room);
  }
  try {
    await core.presence.renew({ gw: core.gw, nicks, rooms });
    core.metrics.leaseRenewals.inc({ outcome: 'ok' });
  } catch (err) {
    core.metrics.leaseRenewals.inc({ outcome: 'failed' });
    throw err;
  }
}
