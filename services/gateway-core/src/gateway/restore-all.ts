import { setTimeout as sleep } from 'node:timers/promises';
import { reconnectDelay } from '@chatfleet/protocol';
import type { SessionState } from '../session/session-state.js';
import { restoreSession } from '../session/session-restore.js';
import type { GatewayParts } from './gateway-parts.js';

// Sessions restored at once: their commands share one connection and are pipelined by it.
const WAVE = 64;
const RETRY_MAX_MS = 5000;

/**
 * Puts back what every session holds (nick, member places, ticket), WAVE sessions at a time,
 * and retries the ones that failed, with backoff, until each is restored or gone.
 */
export async function restoreAll(core: GatewayParts, signal: AbortSignal): Promise<void> {
  let pending = [...core.sessions.values()].filter((s) => !s.closed);
  for (let round = 1; pending.length > 0 && !signal.aborted; round++) {
    const failed: SessionState[] = [];
    for (let i = 0; i < pending.length; i += WAVE) {
      await Promise.all(pending.slice(i, i + WAVE).map((s) => restoreOne(core, s, failed)));
    }
    pending = failed.filter((s) => !s.closed);
    if (pending.length === 0) break;
    core.log.warn({ failed: pending.length, round }, 'session restore failed, retrying');
    // Full jitter: gateways restoring after one Redis event do not retry in step.
    const delay = reconnectDelay(round - 1, 200, RETRY_MAX_MS);
    await sleep(delay, undefined, { signal }).catch(() => undefined);
  }
}

async function restoreOne(
  core: GatewayParts,
  s: SessionState,
  failed: SessionState[],
): Promise<void> {
  let ok = false;
  await s.run(async () => {
    try {
      await restoreSession(s);
      ok = true;
    } catch (err) {
      core.log.debug({ sid: s.sid, err: String(err) }, 'restore failed');
    }
  });
  core.metrics.restores.inc({ outcome: ok ? 'ok' : 'failed' });
  if (!ok) failed.push(s);
}
