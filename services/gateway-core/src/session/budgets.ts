import { ProtocolError } from '@chatfleet/protocol';
import { type Budget, spendBudget } from '@chatfleet/store';
import { addressGroup } from '../limits/address.js';
import type { SessionState } from './session-state.js';

const HOUR = 3600_000;

/** "try again in 40 s" or "in 12 min": when an address may spend again. */
export function retryIn(ms: number): string {
  const s = Math.max(1, Math.ceil(ms / 1000));
  return s <= 120 ? `try again in ${s} s` : `try again in ${Math.ceil(s / 60)} min`;
}

/** The fleet-wide budgets a session's requests spend from (docs/protocol.md, Budgets). */
export function budgets(s: SessionState): Record<Budget['kind'], Budget> {
  const l = s.hub.limits;
  return {
    reports: { kind: 'reports', limit: l.reportsPerAddressHour, windowMs: HOUR },
    rooms: { kind: 'rooms', limit: l.roomsPerAddressHour, windowMs: HOUR },
    'offline-dms': { kind: 'offline-dms', limit: l.offlineDmsPerHour, windowMs: HOUR },
  };
}

/** Who spends: the session's address group, and its identity where it is asked for too. */
export const byAddress = (s: SessionState): string => `a:${addressGroup(s.address())}`;
export const byIdentity = (s: SessionState): string => `i:${s.ident}`;

/** Spends one from each `who` (an address, an identity) or refuses with `rate_limited`. */
export async function charge(
  s: SessionState,
  kind: Budget['kind'],
  who: string[],
  what: string,
): Promise<void> {
  const b = budgets(s)[kind];
  for (const w of who) {
    const wait = await spendBudget(s.hub.store, b, w);
    if (wait > 0)
      throw new ProtocolError('rate_limited', `${what} (${b.limit} an hour): ${retryIn(wait)}`);
  }
}

/** Message text this gateway stores for the session's address, or `rate_limited`. */
export function chargeText(s: SessionState, text: string): void {
  const wait = s.hub.textBudget.spend(s.address(), Buffer.byteLength(text));
  if (wait > 0)
    throw new ProtocolError(
      'rate_limited',
      `too much text from your address (${Math.floor(s.hub.limits.textBytesPerAddressMin / 1024)} KiB a minute): ${retryIn(wait)}`,
    );
}
