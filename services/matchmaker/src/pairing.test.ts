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
const names = (pairs: ReturnType<typeof pairTickets>) =>
  pairs.map((p) => [p.a.nick, p.b.nick, p.tags]);

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
});
