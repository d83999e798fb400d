import type { Ticket } from '@chatfleet/store';
import { who, type Met } from './pairing.js';

/** Addresses of this many last partners are avoided (softly) in the next pairings. */
export const MET_ADDRESSES = 3;

/** Reads a stored `met` value; anything unreadable counts as nobody met. */
export function parseMet(raw: string | null | undefined): Met | undefined {
  if (!raw) return undefined;
  try {
    const v = JSON.parse(raw) as { p?: unknown; a?: unknown };
    const addrs = Array.isArray(v.a) ? v.a.filter((x): x is string => typeof x === 'string') : [];
    return { ...(typeof v.p === 'string' ? { partner: v.p } : {}), addrs };
  } catch {
    return undefined;
  }
}

/** What `me` has met once paired with `other`: the partner, and their address if not our own. */
export function metAfter(prev: Met | undefined, me: Ticket, other: Ticket): string {
  const fresh = other.addr !== undefined && other.addr !== me.addr ? [other.addr] : [];
  const addrs = [...fresh, ...(prev?.addrs ?? []).filter((a) => !fresh.includes(a))];
  return JSON.stringify({ p: who(other), a: addrs.slice(0, MET_ADDRESSES) });
}
