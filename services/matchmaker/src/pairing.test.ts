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
        (raw, now) => {
          const tickets = raw.map((r) => t(r.nick, r.ts, r.tags)).sort((a, b) => a.ts - b.ts);
          const last = new Map([['a', 'b']]);
          const pairs = pairTickets({ tickets, now, widenMs: 10_000, lastPartner: last });
          const used = pairs.flatMap((p) => [p.a.nick, p.b.nick]);
          assert.equal(new Set(used).size, used.length);
          for (const p of pairs) {
            assert.ok(
              !(p.a.nick === 'a' && p.b.nick === 'b') && !(p.a.nick === 'b' && p.b.nick === 'a'),
            );
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
