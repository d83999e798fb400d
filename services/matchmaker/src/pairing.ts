import type { Ticket } from '@chatfleet/common';

export interface Pair {
  a: Ticket;
  b: Ticket;
  tags: string[];
}

export interface PairingInput {
  /** Waiting tickets, oldest first. */
  tickets: Ticket[];
  now: number;
  widenMs: number;
  /** Lowercase nick -> lowercase nick of the last partner. */
  lastPartner: Map<string, string>;
  /** Two who were just paired may meet again once both have waited this long, if nobody else is there. */
  repeatRelaxMs?: number;
}

const lc = (t: Ticket) => t.nick.toLowerCase();

/**
 * Greedy and fair: the oldest ticket picks first. It prefers the oldest ticket sharing a
 * tag; failing that, once both sides are open to anyone (no tags, or waited past widenMs),
 * the oldest such ticket. Two people who were just paired are not paired again in a row,
 * unless both have waited repeatRelaxMs and neither has anyone else: then they may meet again.
 */
export function pairTickets(input: PairingInput): Pair[] {
  const { tickets, now, widenMs, lastPartner } = input;
  const relax = input.repeatRelaxMs ?? Infinity;
  const open = (t: Ticket) => t.tags.length === 0 || now - t.ts >= widenMs;
  const patient = (t: Ticket) => now - t.ts >= relax;
  const used = new Set<number>();
  const pairs: Pair[] = [];
  for (let i = 0; i < tickets.length; i++) {
    const a = tickets[i];
    if (!a || used.has(i)) continue;
    type Pick = { j: number; tags: string[] };
    let overlap: Pick | undefined;
    let fallback: Pick | undefined;
    let again: Pick | undefined;
    for (let j = i + 1; j < tickets.length; j++) {
      const b = tickets[j];
      if (!b || used.has(j) || lc(a) === lc(b)) continue;
      const shared = a.tags.filter((t) => b.tags.includes(t));
      const fits = shared.length > 0 || (open(a) && open(b));
      if (lastPartner.get(lc(a)) === lc(b) || lastPartner.get(lc(b)) === lc(a)) {
        if (!again && fits && patient(a) && patient(b)) again = { j, tags: shared };
        continue;
      }
      if (shared.length > 0) {
        overlap = { j, tags: shared };
        break;
      }
      if (!fallback && fits) fallback = { j, tags: [] };
    }
    const pick = overlap ?? fallback ?? again;
    const b = pick ? tickets[pick.j] : undefined;
    if (!pick || !b) continue;
    used.add(i);
    used.add(pick.j);
    pairs.push({ a, b, tags: pick.tags });
  }
  return pairs;
}
