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
  /** Identity -> the identities it blocked: such pairs are never made, either way round. */
  blocks?: Map<string, Set<string>>;
}

const lc = (t: Ticket) => t.nick.toLowerCase();

/** Ticket indices in age order, read from `head` on; entries behind every reader are skipped for good. */
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
 * Greedy and fair: the oldest ticket picks first. It prefers the oldest ticket sharing a
 * tag; failing that, once both sides are open to anyone (no tags, or waited past widenMs),
 * the oldest such ticket. Two people who were just paired are not paired again in a row,
 * unless both have waited repeatRelaxMs and neither has anyone else: then they may meet again.
 * Blocked pairs never meet. Tickets are indexed by tag, so a pass over tens of thousands of
 * waiting tickets stays about linear instead of comparing every pair.
 */
export function pairTickets(input: PairingInput): Pair[] {
  const { tickets, now, widenMs, lastPartner } = input;
  const relax = input.repeatRelaxMs ?? Infinity;
  const blocks = input.blocks ?? new Map<string, Set<string>>();
  const open = (t: Ticket) => t.tags.length === 0 || now - t.ts >= widenMs;
  const patient = (t: Ticket) => now - t.ts >= relax;
  const blocked = (a: Ticket, b: Ticket) =>
    !!a.ident &&
    !!b.ident &&
    (blocks.get(a.ident)?.has(b.ident) === true || blocks.get(b.ident)?.has(a.ident) === true);
  const repeat = (a: Ticket, b: Ticket) =>
    lastPartner.get(lc(a)) === lc(b) || lastPartner.get(lc(b)) === lc(a);

  const byTag = new Map<string, number[]>();
  const openIdx: number[] = [];
  const byNick = new Map<string, number[]>();
  const byLastPartner = new Map<string, number[]>();
  const push = (m: Map<string, number[]>, k: string, i: number) => {
    const l = m.get(k);
    if (l) l.push(i);
    else m.set(k, [i]);
  };
  tickets.forEach((t, i) => {
    for (const tag of new Set(t.tags)) push(byTag, tag, i);
    if (open(t)) openIdx.push(i);
    push(byNick, lc(t), i);
    const last = lastPartner.get(lc(t));
    if (last !== undefined) push(byLastPartner, last, i);
  });
  const lanes = new Map([...byTag].map(([tag, idx]) => [tag, new Lane(idx)]));
  const openLane = new Lane(openIdx);

  const used = new Set<number>();
  const gone = (j: number) => used.has(j);
  const pairs: Pair[] = [];
  for (let i = 0; i < tickets.length; i++) {
    const a = tickets[i];
    if (!a || used.has(i)) continue;
    const fine = (j: number) => {
      const b = tickets[j]!;
      return lc(a) !== lc(b) && !blocked(a, b) && !repeat(a, b);
    };
    let pick: number | undefined;
    let tags: string[] = [];
    for (const tag of new Set(a.tags)) {
      const j = lanes.get(tag)?.first(i, gone, fine);
      if (j !== undefined && (pick === undefined || j < pick)) pick = j;
    }
    if (pick !== undefined) tags = a.tags.filter((t) => tickets[pick!]!.tags.includes(t));
    else if (open(a)) pick = openLane.first(i, gone, fine);
    if (pick === undefined && patient(a)) pick = again(i);
    const b = pick !== undefined ? tickets[pick] : undefined;
    if (pick === undefined || !b) continue;
    if (tags.length === 0 && repeat(a, b)) tags = a.tags.filter((t) => b.tags.includes(t));
    used.add(i);
    used.add(pick);
    pairs.push({ a, b, tags });
  }
  return pairs;

  /** The oldest of the last partners of ticket i who could meet it again. */
  function again(i: number): number | undefined {
    const a = tickets[i]!;
    const cands = [
      ...(byNick.get(lastPartner.get(lc(a)) ?? '') ?? []),
      ...(byLastPartner.get(lc(a)) ?? []),
    ].sort((x, y) => x - y);
    for (const j of cands) {
      const b = tickets[j]!;
      if (j <= i || used.has(j) || lc(a) === lc(b) || blocked(a, b)) continue;
      const fits = a.tags.some((t) => b.tags.includes(t)) || (open(a) && open(b));
      if (fits && patient(b)) return j;
    }
    return undefined;
  }
}
