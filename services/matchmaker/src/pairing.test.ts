import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Ticket } from '@chatfleet/common';
import { pairTickets } from './pairing.js';

const t = (nick: string, ts: number, tags: string[] = []): Ticket => ({
  sid: `s-${nick}`,
  nick,
  gw: 'g',
  tags,
  ts,
});
const withIdent = (x: Ticket): Ticket => ({ ...x, ident: `id-${x.nick}` });
const names = (pairs: ReturnType<typeof pairTickets>) =>
  pairs.map((p) => [p.a.nick, p.b.nick, p.tags]);

/** The rules stated plainly: every pair compared, oldest first (what the index must agree with). */
function reference(input: Parameters<typeof pairTickets>[0]) {
  const { tickets, now, widenMs, lastPartner } = input;
  const relax = input.repeatRelaxMs ?? Infinity;
  const blocks = input.blocks ?? new Map<string, Set<string>>();
  const lc = (x: Ticket) => x.nick.toLowerCase();
  const open = (x: Ticket) => x.tags.length === 0 || now - x.ts >= widenMs;
  const patient = (x: Ticket) => now - x.ts >= relax;
  const used = new Set<number>();
  const pairs: { a: Ticket; b: Ticket; tags: string[] }[] = [];
  for (let i = 0; i < tickets.length; i++) {
    const a = tickets[i]!;
    if (used.has(i)) continue;
    let overlap: [number, string[]] | undefined;
    let fallback: [number, string[]] | undefined;
    let again: [number, string[]] | undefined;
    for (let j = i + 1; j < tickets.length; j++) {
      const b = tickets[j]!;
      if (used.has(j) || lc(a) === lc(b)) continue;
      if (
        blocks.get(a.ident ?? '')?.has(b.ident ?? '') ||
        blocks.get(b.ident ?? '')?.has(a.ident ?? '')
      )
        continue;
      const shared = a.tags.filter((x) => b.tags.includes(x));
      const fits = shared.length > 0 || (open(a) && open(b));
      if (lastPartner.get(lc(a)) === lc(b) || lastPartner.get(lc(b)) === lc(a)) {
        if (!again && fits && patient(a) && patient(b)) again = [j, shared];
        continue;
      }
      if (shared.length > 0) {
        overlap = [j, shared];
        break;
      }
      if (!fallback && fits) fallback = [j, []];
    }
    const pick = overlap ?? fallback ?? again;
    if (!pick) continue;
    used.add(i);
    used.add(pick[0]);
    pairs.push({ a, b: tickets[pick[0]]!, tags: pick[1] });
  }
  return pairs;
}

describe('pairTickets', () => {
  it('pairs the oldest tickets first', () => {
    const pairs = pairTickets({
      tickets: [t('a', 1), t('b', 2), t('c', 3)],
      now: 10,
      widenMs: 10_000,
      lastPartner: new Map(),
    });
    assert.deepEqual(names(pairs), [['a', 'b', []]]);
  });

  it('prefers a shared tag over an older stranger', () => {
    const pairs = pairTickets({
      tickets: [t('a', 1, ['music']), t('b', 2), t('c', 3, ['music', 'go'])],
      now: 5,
      widenMs: 10_000,
      lastPartner: new Map(),
    });
    assert.deepEqual(names(pairs), [['a', 'c', ['music']]]);
  });

  it('keeps a tagged ticket for its tags until it has waited widenMs, then takes anyone', () => {
    const tickets = [t('a', 0, ['chess']), t('b', 100)];
    assert.deepEqual(
      pairTickets({ tickets, now: 9_999, widenMs: 10_000, lastPartner: new Map() }),
      [],
    );
    assert.deepEqual(
      names(pairTickets({ tickets, now: 10_000, widenMs: 10_000, lastPartner: new Map() })),
      [['a', 'b', []]],
    );
  });

  it('never pairs the same two people twice in a row', () => {
    const last = new Map([
      ['a', 'b'],
      ['b', 'a'],
    ]);
    assert.deepEqual(
      pairTickets({ tickets: [t('a', 1), t('b', 2)], now: 5, widenMs: 0, lastPartner: last }),
      [],
    );
    assert.deepEqual(
      names(
        pairTickets({
          tickets: [t('a', 1), t('b', 2), t('c', 3)],
          now: 5,
          widenMs: 0,
          lastPartner: last,
        }),
      ),
      [['a', 'c', []]],
    );
  });

  it('lets two who just met meet again once both waited repeatRelaxMs with nobody else there', () => {
    const last = new Map([
      ['a', 'b'],
      ['b', 'a'],
    ]);
    const run = (tickets: Ticket[], now: number) =>
      names(pairTickets({ tickets, now, widenMs: 0, lastPartner: last, repeatRelaxMs: 30_000 }));
    // Alone together: not yet...
    assert.deepEqual(run([t('a', 0), t('b', 10)], 29_999), []);
    // ...then, after both waited long enough, rather than never.
    assert.deepEqual(run([t('a', 0), t('b', 10)], 30_010), [['a', 'b', []]]);
    // Anyone else comes first, even a newcomer.
    assert.deepEqual(run([t('a', 0), t('b', 10), t('c', 30_000)], 30_010), [['a', 'c', []]]);
  });

  it('uses every ticket at most once and respects every rule, whatever the queue', () => {
    const ticket = fc.record({
      nick: fc.stringMatching(/^[a-e]$/),
      ts: fc.integer({ min: 0, max: 20_000 }),
      tags: fc.uniqueArray(fc.constantFrom('x', 'y', 'z'), { maxLength: 2 }),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(ticket, { selector: (x) => x.nick, maxLength: 5 }),
        fc.integer({ min: 0, max: 30_000 }),
        // Shorter and longer than widenMs (10 s).
        fc.constantFrom(5_000, 15_000),
        (raw, now, relax) => {
          const tickets = raw.map((r) => t(r.nick, r.ts, r.tags)).sort((a, b) => a.ts - b.ts);
          const last = new Map([['a', 'b']]);
          const pairs = pairTickets({
            tickets,
            now,
            widenMs: 10_000,
            lastPartner: last,
            repeatRelaxMs: relax,
          });
          const used = pairs.flatMap((p) => [p.a.nick, p.b.nick]);
          assert.equal(new Set(used).size, used.length);
          for (const p of pairs) {
            // The last two may meet again only once both have waited the relax time.
            if ([p.a.nick, p.b.nick].sort().join() === 'a,b')
              assert.ok(now - p.a.ts >= relax && now - p.b.ts >= relax);
            const shared = p.a.tags.filter((x) => p.b.tags.includes(x));
            assert.deepEqual(p.tags, shared);
            if (shared.length === 0) {
              for (const side of [p.a, p.b])
                assert.ok(side.tags.length === 0 || now - side.ts >= 10_000);
            }
          }
        },
      ),
    );
  });

  it('never pairs two people when either blocked the other', () => {
    const tickets = [t('a', 1), t('b', 2), t('c', 3)].map(withIdent);
    const blocks = new Map([['id-b', new Set(['id-a'])]]);
    const run = (relax: number) =>
      names(
        pairTickets({
          tickets,
          now: 100_000,
          widenMs: 0,
          lastPartner: new Map(),
          repeatRelaxMs: relax,
          blocks,
        }),
      );
    assert.deepEqual(run(30_000), [['a', 'c', []]]);
    // Not even when they are alone together and have waited past the repeat relax.
    assert.deepEqual(
      pairTickets({
        tickets: tickets.slice(0, 2),
        now: 100_000,
        widenMs: 0,
        lastPartner: new Map([['a', 'b']]),
        repeatRelaxMs: 0,
        blocks,
      }),
      [],
    );
  });

  it('makes the same pairs as comparing every two tickets, for queues of any size', () => {
    const ticket = fc.record({
      nick: fc.stringMatching(/^[a-l]$/),
      ts: fc.integer({ min: 0, max: 20_000 }),
      tags: fc.array(fc.constantFrom('x', 'y', 'z', 'w'), { maxLength: 3 }),
    });
    fc.assert(
      fc.property(
        fc.array(ticket, { maxLength: 40 }),
        fc.integer({ min: 0, max: 30_000 }),
        fc.constantFrom(0, 5_000, 15_000, Infinity),
        fc.array(fc.tuple(fc.stringMatching(/^[a-l]$/), fc.stringMatching(/^[a-l]$/)), {
          maxLength: 6,
        }),
        fc.array(fc.tuple(fc.stringMatching(/^[a-l]$/), fc.stringMatching(/^[a-l]$/)), {
          maxLength: 6,
        }),
        (raw, now, relax, lasts, blockList) => {
          const tickets = raw
            .map((r, i) => withIdent({ ...t(r.nick, r.ts, r.tags), sid: `s${i}` }))
            .sort((a, b) => a.ts - b.ts);
          const blocks = new Map<string, Set<string>>();
          for (const [x, y] of blockList)
            blocks.set(`id-${x}`, new Set([...(blocks.get(`id-${x}`) ?? []), `id-${y}`]));
          const input = {
            tickets,
            now,
            widenMs: 10_000,
            lastPartner: new Map(lasts),
            repeatRelaxMs: relax,
            blocks,
          };
          const sids = (p: { a: Ticket; b: Ticket; tags: string[] }[]) =>
            p.map((x) => [x.a.sid, x.b.sid, x.tags]);
          assert.deepEqual(sids(pairTickets(input)), sids(reference(input)));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('pairs a queue of 50,000 waiting tickets in one pass', () => {
    // Every ticket has a tag only its twin far down the queue shares: a window would miss them.
    const n = 50_000;
    const tickets = Array.from({ length: n }, (_, i) =>
      t(`u${i}`, i, [`tag${i < n / 2 ? i : i - n / 2}`]),
    );
    const pairs = pairTickets({ tickets, now: n, widenMs: 1e9, lastPartner: new Map() });
    assert.equal(pairs.length, n / 2);
    assert.deepEqual(names(pairs.slice(0, 1)), [['u0', 'u25000', ['tag0']]]);
  });
});
