import { setTimeout as sleep } from 'node:timers/promises';
import {
  cleanupSession,
  deadGateways,
  dropSession,
  liveMatches,
  readAssignments,
  reapGateway,
  recordedSessions,
  sessionRecord,
} from '@chatfleet/store';
import type { SessionState } from '../session/session-state.js';
import type { GatewayParts } from './gateway-parts.js';

/** Runs `fn` every `ms` until aborted; a failed round is logged and the next one tries again. */
async function every(
  ms: number,
  signal: AbortSignal,
  what: string,
  core: GatewayParts,
  fn: (round: number) => Promise<void>,
): Promise<void> {
  for (let round = 0; !signal.aborted; round++) {
    try {
      await fn(round);
    } catch (err) {
      core.log.debug({ err: String(err), what }, 'housekeeping round skipped');
    }
    await sleep(ms, undefined, { signal }).catch(() => undefined);
  }
}

/**
 * The gateway's background loops, each on its own timer so that slow work never delays the
 * heartbeat: the heartbeat itself, lease renewal, cleanup after dead gateways, a reconcile of
 * its own records with its live sessions (cleanups that failed while Redis was away), and the
 * check of its conversations' positions against what it dispatched.
 */
export function startHousekeeping(
  core: GatewayParts,
  t: { heartbeatMs: number; positionCheckMs: number },
  signal: AbortSignal,
): Promise<unknown> {
  const everyMs = t.heartbeatMs;
  const { store, log, metrics, limits } = core;
  const reap = async () => {
    if (!core.judgesSilence()) return;
    for (const gw of await deadGateways(store, limits.gatewayTimeoutMs)) {
      if (gw === core.gw || signal.aborted) continue;
      const r = await reapGateway(store, gw, core.gw, log, limits.gatewayTimeoutMs);
      // -1: another gateway holds the reap lock, or this one came back in time.
      if (r.sessions < 0) continue;
      metrics.reaps.inc();
      metrics.reapedSessions.inc(r.sessions);
    }
  };
  const reconcileAll = async (round: number) => {
    await reconcileMatches(core);
    if (round % 5 === 0) await reconcile(core);
  };
  return Promise.all([
    every(everyMs, signal, 'heartbeat', core, () => core.beat()),
    // Renewed a few times per lease, so that a slow moment or two never lets one lapse.
    every(Math.floor(store.limits.leaseMs / 4), signal, 'leases', core, () => core.renew()),
    // Looking for the dead is one cheap script call: done four times a heartbeat, a dead
    // gateway's users are cleaned up soon after its timeout rather than up to a beat later.
    every(Math.max(100, Math.floor(everyMs / 4)), signal, 'reap', core, reap),
    every(everyMs, signal, 'reconcile', core, reconcileAll),
    every(t.positionCheckMs, signal, 'positions', core, () => core.checkPositions()),
    // The inbox tells of a new ban at once; this catches a gateway that missed it, and expiry.
    every(everyMs, signal, 'bans', core, () => core.refreshBans()),
  ]);
}

async function reconcile(core: GatewayParts): Promise<void> {
  const { store } = core;
  // The sids alone: every record, read each round, was garbage an idle gateway made for nothing
  // (a record is read only for a session this gateway no longer has).
  for (const sid of await recordedSessions(store, core.gw)) {
    if (core.sessions.has(sid)) continue;
    const rec = await sessionRecord(store, core.gw, sid);
    if (rec === undefined) continue;
    await cleanupSession(store, sid, rec);
    await dropSession(store, core.gw, sid);
  }
}

/**
 * The matchmaker's `matched` and a match room's `end` can each be missed (a crash between two
 * steps, an event published while unsubscribed). Waiting sessions pick up an assignment left
 * for them; matched sessions whose match record is gone hear that their partner left.
 */
async function reconcileMatches(core: GatewayParts): Promise<void> {
  const waiting: SessionState[] = [];
  const matched: SessionState[] = [];
  for (const s of core.sessions.values()) {
    if (s.closed) continue;
    if (s.match) matched.push(s);
    else if (s.waiting) waiting.push(s);
  }
  if (waiting.length > 0) {
    const found = await readAssignments(
      core.store,
      waiting.map((s) => s.sid),
    );
    for (const [sid, a] of found)
      void core.sessions.get(sid)?.matched(a.room, a.partner, a.tags, a.partnerIdent);
  }
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
