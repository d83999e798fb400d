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
}

const lc = (t: Ticket) => t.nick.toLowerCase();

/**
 * Greedy and fair: the oldest ticket picks first. It prefers the oldest ticket sharing a
 * tag; failing that, once both sides are open to anyone (no tags, or waited past widenMs),
 * the oldest such ticket. Two people who were just paired are never paired again in a row.
 */
export function pairTickets(input: PairingInput): Pair[] {
  const { tickets, now, widenMs, lastPartner } = input;
  const open = (t: Ticket) => t.tags.length === 0 || now - t.ts >= widenMs;
  const used = new Set<number>();
  const pairs: Pair[] = [];
  for (let i = 0; i < tickets.length; i++) {
    const a = tickets[i];
    if (!a || used.has(i)) continue;
    let overlap: { j: number; tags: string[] } | undefined;
    let fallback: number | undefined;
    for (let j = i + 1; j < tickets.length; j++) {
      const b = tickets[j];
      if (!b || used.has(j) || lc(a) === lc(b)) continue;
      if (lastPartner.get(lc(a)) === lc(b) || lastPartner.get(lc(b)) === lc(a)) continue;
      const shared = a.tags.filter((t) => b.tags.includes(t));
      if (shared.length > 0) {
        overlap = { j, tags: shared };
        break;
      }
      if (fallback === undefined && open(a) && open(b)) fallback = j;
    }
    const j = overlap?.j ?? fallback;
    const b = j !== undefined ? tickets[j] : undefined;
    if (j === undefined || !b) continue;
    used.add(i);
    used.add(j);
    pairs.push({ a, b, tags: overlap?.tags ?? [] });
  }
  return pairs;
}
