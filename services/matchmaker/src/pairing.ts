import type { Ticket } from '@chatfleet/store';

export interface Pair {
  a: Ticket;
  b: Ticket;
  tags: string[];
}

/** Whom a waiting person met lately: their last partner, and the addresses of their last few. */
export interface Met {
  /** Who of the last partner (see `who`). */
  partner?: string;
  /** Address groups of the last partners, newest first (never the person's own). */
  addrs: string[];
}

export interface PairingInput {
  /** Waiting tickets, oldest first. */
  tickets: Ticket[];
  now: number;
  widenMs: number;
  /** `who` of a ticket -> whom it met lately. */
  met: Map<string, Met>;
  /** Two who just met may meet again once both have waited this long, if nobody else is there. */
  repeatRelaxMs?: number;
  /** Identity -> the identities it blocked: such pairs are never made, either way round. */
  blocks?: Map<string, Set<string>>;
  /** Tickets of one address that pick before everyone's later ones (default: no limit). */
  perAddress?: number;
}

/** The person behind a ticket: its identity (a rename keeps it), else the nick. */
export const who = (t: Ticket): string => t.ident || `n:${t.nick.toLowerCase()}`;

/** Ticket indices in pick order, read from `head` on; entries behind every reader are skipped for good. */
class Lane {
  private head = 0;
  constructor(readonly idx: number[]) {}

  /** The first index after `after` that is not `gone` and passes `ok`. */
  first(after: number, gone: (j: number) => boolean, ok: (j: number) => boolean) {
    const { idx } = this;
    while (this.head < idx.length && (idx[this.head]! <= after || gone(idx[this.head]!)))
      this.head++;
    for (let k = this.head; k < idx.length; k++) {
      const j = idx[k]!;
      if (!gone(j) && ok(j)) return j;
    }
    return undefined;
  }
}

/**
 * The order in which tickets pick: oldest first, except that past `perAddress` tickets of one
 * address, the rest wait behind every other address's first ones. Thirty identities from one
 * address then cannot take every match in a pass; one address alone keeps plain age order.
 */
export function pickOrder(tickets: Ticket[], perAddress = Infinity): Ticket[] {
  if (!Number.isFinite(perAddress)) return tickets;
  const seen = new Map<string, number>();
  const tier = tickets.map((t) => {
    const n = t.addr === undefined ? 0 : (seen.get(t.addr) ?? 0);
    if (t.addr !== undefined) seen.set(t.addr, n + 1);
    return Math.floor(n / Math.max(1, perAddress));
  });
  return tickets
    .map((t, i) => ({ t, i, k: tier[i]! }))
    .sort((x, y) => x.k - y.k || x.i - y.i)
    .map((x) => x.t);
}

/**
 * Greedy and fair, in two rounds. First, fresh pairs: the first ticket in pick order picks
 * first; it prefers the first ticket sharing a tag, failing that, once both sides are open to
 * anyone (no tags, or waited past widenMs), the first such ticket. Two who met lately are not
 * a fresh pair: the same person, or someone from an address either of them met in their last
 * few chats. Then, among those left, such pairs may meet again once both have waited
 * repeatRelaxMs (three times that, for the one who is not from a crowded address, when the
 * other is), those who met longest ago first: a person who has met everyone waiting meets the
 * few others again before the one address that is always there. Blocked pairs never meet. Tickets are indexed by tag, so a pass over tens
 * of thousands of waiting tickets stays about linear instead of comparing every pair.
 */
export function pairTickets(input: PairingInput): Pair[] {
  const { now, widenMs, met } = input;
  const tickets = pickOrder(input.tickets, input.perAddress);
  const relax = input.repeatRelaxMs ?? Infinity;
  const blocks = input.blocks ?? new Map<string, Set<string>>();
  const open = (t: Ticket) => t.tags.length === 0 || now - t.ts >= widenMs;
  const patient = (t: Ticket) => now - t.ts >= relax;
  // An address with more than perAddress people waiting is crowded: meeting one of them again
  // takes the other side three times the patience (a swarm is always there; others come back).
  const crowd = crowdedAddresses(input.tickets, input.perAddress);
  const waitedFor = (a: Ticket, b: Ticket) =>
    patient(a) &&
    patient(b) &&
    [a, b].every((x) => !crowd.has(x.addr ?? '') || now - (x === a ? b : a).ts >= 3 * relax);
  const same = (a: Ticket, b: Ticket) =>
    who(a) === who(b) || a.nick.toLowerCase() === b.nick.toLowerCase();
  const blocked = (a: Ticket, b: Ticket) =>
    !!a.ident &&
    !!b.ident &&
    (blocks.get(a.ident)?.has(b.ident) === true || blocks.get(b.ident)?.has(a.ident) === true);
  const fine = (a: Ticket, b: Ticket) =>
    !same(a, b) && !blocked(a, b) && metAge(met, a, b) === Infinity;

  const byTag = new Map<string, number[]>();
  const openIdx: number[] = [];
  // Where the second round looks: tickets by who, by address, by last partner, by met address.
  const byWho = new Map<string, number[]>();
  const byAddr = new Map<string, number[]>();
  const byPartner = new Map<string, number[]>();
  const byMetAddr = new Map<string, number[]>();
  const push = (m: Map<string, number[]>, k: string, i: number) => {
    const l = m.get(k);
    if (l) l.push(i);
    else m.set(k, [i]);
  };
  tickets.forEach((t, i) => {
    for (const tag of new Set(t.tags)) push(byTag, tag, i);
    if (open(t)) openIdx.push(i);
    push(byWho, who(t), i);
    if (t.addr !== undefined) push(byAddr, t.addr, i);
    const m = met.get(who(t));
    if (m?.partner !== undefined) push(byPartner, m.partner, i);
    for (const addr of m?.addrs ?? []) push(byMetAddr, addr, i);
  });
  const lanes = new Map([...byTag].map(([tag, idx]) => [tag, new Lane(idx)]));
  const openLane = new Lane(openIdx);

  const used = new Set<number>();
  const gone = (j: number) => used.has(j);
  const pairs: Pair[] = [];
  const take = (i: number, j: number) => {
    const a = tickets[i]!;
    const b = tickets[j]!;
    used.add(i);
    used.add(j);
    pairs.push({ a, b, tags: a.tags.filter((t) => b.tags.includes(t)) });
  };
  for (let i = 0; i < tickets.length; i++) {
    const a = tickets[i];
    if (!a || used.has(i)) continue;
    const ok = (j: number) => fine(a, tickets[j]!);
    let pick: number | undefined;
    for (const tag of new Set(a.tags)) {
      const j = lanes.get(tag)?.first(i, gone, ok);
      if (j !== undefined && (pick === undefined || j < pick)) pick = j;
    }
    if (pick === undefined && open(a)) pick = openLane.first(i, gone, ok);
    if (pick !== undefined) take(i, pick);
  }

  // Second round: pairs who met lately, among those left, longest ago first.
  const again: { i: number; j: number; age: number }[] = [];
  for (let i = 0; i < tickets.length; i++) {
    const a = tickets[i]!;
    if (used.has(i)) continue;
    for (const j of metLately(a)) {
      const b = tickets[j]!;
      if (j <= i || used.has(j) || same(a, b) || blocked(a, b)) continue;
      const fits = a.tags.some((t) => b.tags.includes(t)) || (open(a) && open(b));
      const age = metAge(met, a, b);
      const waited = waitedFor(a, b);
      if (fits && waited) again.push({ i, j, age });
    }
  }
  again.sort((x, y) => y.age - x.age || x.i - y.i || x.j - y.j);
  for (const { i, j } of again) if (!used.has(i) && !used.has(j)) take(i, j);
  return pairs;

  /** Indices of the tickets a may have met lately (a superset: the caller checks). */
  function metLately(a: Ticket): Set<number> {
    const m = met.get(who(a));
    return new Set([
      ...(m?.partner !== undefined ? (byWho.get(m.partner) ?? []) : []),
      ...(byPartner.get(who(a)) ?? []),
      ...(m?.addrs ?? []).flatMap((addr) => byAddr.get(addr) ?? []),
      ...(a.addr !== undefined ? (byMetAddr.get(a.addr) ?? []) : []),
    ]);
  }
}

/** Addresses with more than `perAddress` tickets waiting (none without a limit). */
export function crowdedAddresses(tickets: Ticket[], perAddress = Infinity): Set<string> {
  const count = new Map<string, number>();
  for (const t of tickets)
    if (t.addr !== undefined) count.set(t.addr, (count.get(t.addr) ?? 0) + 1);
  return new Set([...count].filter(([, n]) => n > perAddress).map(([a]) => a));
}

/**
 * How long ago two people last met, in chats: 0 if either is the other's last partner, else
 * 1 + the place of one's address among the addresses the other met (newest first), the
 * smaller of the two views; Infinity if neither met the other lately.
 */
export function metAge(met: Map<string, Met>, a: Ticket, b: Ticket): number {
  const view = (x: Ticket, y: Ticket) => {
    const m = met.get(who(x));
    if (m?.partner === who(y)) return 0;
    const k = y.addr !== undefined && y.addr !== x.addr ? (m?.addrs.indexOf(y.addr) ?? -1) : -1;
    return k >= 0 ? k + 1 : Infinity;
  };
  return Math.min(view(a, b), view(b, a));
}
