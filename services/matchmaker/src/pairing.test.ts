import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Ticket } from '@chatfleet/store';
import { metAfter, parseMet } from './met.js';
import { crowdedAddresses, metAge, pairTickets, pickOrder, who, type Met } from './pairing.js';

const t = (nick: string, ts: number, tags: string[] = []): Ticket => ({
  sid: `s-${nick}`,
  nick,
  gw: 'g',
  tags,
  ts,
});
const withIdent = (x: Ticket): Ticket => ({ ...x, ident: `id-${x.nick}` });
/** Who met whom last, by nick: `who` of tickets without an identity is `n:` and the nick. */
const lastMet = (pairs: [string, string][], prefix = 'n:'): Map<string, Met> =>
  new Map(pairs.map(([x, y]) => [`${prefix}${x}`, { partner: `${prefix}${y}`, addrs: [] }]));
const none = new Map<string, Met>();
const names = (pairs: ReturnType<typeof pairTickets>) =>
  pairs.map((p) => [p.a.nick, p.b.nick, p.tags]);

/** The rules stated plainly: every pair compared, in pick order (what the index must agree with). */
function reference(input: Parameters<typeof pairTickets>[0]) {
  const { now, widenMs, met } = input;
  const tickets = pickOrder(input.tickets, input.perAddress);
  const relax = input.repeatRelaxMs ?? Infinity;
  const blocks = input.blocks ?? new Map<string, Set<string>>();
  const lc = (x: Ticket) => x.nick.toLowerCase();
  const open = (x: Ticket) => x.tags.length === 0 || now - x.ts >= widenMs;
  const patient = (x: Ticket) => now - x.ts >= relax;
  const crowd = crowdedAddresses(input.tickets, input.perAddress);
  const crowded = (x: Ticket) => x.addr !== undefined && crowd.has(x.addr);
  const used = new Set<number>();
  const pairs: { a: Ticket; b: Ticket; tags: string[] }[] = [];
  const allowed = (a: Ticket, b: Ticket) =>
    lc(a) !== lc(b) &&
    who(a) !== who(b) &&
    !blocks.get(a.ident ?? '')?.has(b.ident ?? '') &&
    !blocks.get(b.ident ?? '')?.has(a.ident ?? '');
  const shared = (a: Ticket, b: Ticket) => a.tags.filter((x) => b.tags.includes(x));
  const fits = (a: Ticket, b: Ticket) => shared(a, b).length > 0 || (open(a) && open(b));
  for (let i = 0; i < tickets.length; i++) {
    const a = tickets[i]!;
    if (used.has(i)) continue;
    let overlap: number | undefined;
    let fallback: number | undefined;
    for (let j = i + 1; j < tickets.length; j++) {
      const b = tickets[j]!;
      if (used.has(j) || !allowed(a, b) || metAge(met, a, b) !== Infinity) continue;
      if (shared(a, b).length > 0) {
        overlap = j;
        break;
      }
      if (fallback === undefined && fits(a, b)) fallback = j;
    }
    const pick = overlap ?? fallback;
    if (pick === undefined) continue;
    used.add(i);
    used.add(pick);
    pairs.push({ a, b: tickets[pick]!, tags: shared(a, tickets[pick]!) });
  }
  const again: [number, number, number][] = [];
  for (let i = 0; i < tickets.length; i++)
    for (let j = i + 1; j < tickets.length; j++) {
      const a = tickets[i]!;
      const b = tickets[j]!;
      const age = metAge(met, a, b);
      if (used.has(i) || used.has(j) || !allowed(a, b) || age === Infinity || !fits(a, b)) continue;
      const longer = (x: Ticket, y: Ticket) => !crowded(x) || now - y.ts >= 3 * relax;
      if (patient(a) && patient(b) && longer(a, b) && longer(b, a)) again.push([i, j, age]);
    }
  again.sort((x, y) => y[2] - x[2] || x[0] - y[0] || x[1] - y[1]);
  for (const [i, j] of again) {
    if (used.has(i) || used.has(j)) continue;
    used.add(i);
    used.add(j);
    pairs.push({ a: tickets[i]!, b: tickets[j]!, tags: shared(tickets[i]!, tickets[j]!) });
  }
  return pairs;
}

describe('pairTickets', () => {
  it('pairs the oldest tickets first', () => {
    const pairs = pairTickets({
      tickets: [t('a', 1), t('b', 2), t('c', 3)],
      now: 10,
      widenMs: 10_000,
      met: none,
    });
    assert.deepEqual(names(pairs), [['a', 'b', []]]);
  });

  it('prefers a shared tag over an older stranger', () => {
    const pairs = pairTickets({
      tickets: [t('a', 1, ['music']), t('b', 2), t('c', 3, ['music', 'go'])],
      now: 5,
      widenMs: 10_000,
      met: none,
    });
    assert.deepEqual(names(pairs), [['a', 'c', ['music']]]);
  });

  it('keeps a tagged ticket for its tags until it has waited widenMs, then takes anyone', () => {
    const tickets = [t('a', 0, ['chess']), t('b', 100)];
    assert.deepEqual(pairTickets({ tickets, now: 9_999, widenMs: 10_000, met: none }), []);
    assert.deepEqual(names(pairTickets({ tickets, now: 10_000, widenMs: 10_000, met: none })), [
      ['a', 'b', []],
    ]);
  });

  it('never pairs the same two people twice in a row', () => {
    const last = lastMet([
      ['a', 'b'],
      ['b', 'a'],
    ]);
    assert.deepEqual(
      pairTickets({ tickets: [t('a', 1), t('b', 2)], now: 5, widenMs: 0, met: last }),
      [],
    );
    assert.deepEqual(
      names(
        pairTickets({
          tickets: [t('a', 1), t('b', 2), t('c', 3)],
          now: 5,
          widenMs: 0,
          met: last,
        }),
      ),
      [['a', 'c', []]],
    );
  });

  it('lets two who just met meet again once both waited repeatRelaxMs with nobody else there', () => {
    const last = lastMet([
      ['a', 'b'],
      ['b', 'a'],
    ]);
    const run = (tickets: Ticket[], now: number) =>
      names(pairTickets({ tickets, now, widenMs: 0, met: last, repeatRelaxMs: 30_000 }));
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
          const last = lastMet([['a', 'b']]);
          const pairs = pairTickets({
            tickets,
            now,
            widenMs: 10_000,
            met: last,
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
          met: none,
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
        met: lastMet([['a', 'b']], 'id-'),
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
      addr: fc.constantFrom(undefined, '10.0.0.1', '10.0.0.2', '10.0.0.3'),
    });
    const nick = fc.stringMatching(/^[a-l]$/);
    fc.assert(
      fc.property(
        fc.array(ticket, { maxLength: 40 }),
        fc.integer({ min: 0, max: 30_000 }),
        fc.constantFrom(0, 5_000, 15_000, Infinity),
        fc.array(fc.tuple(nick, nick), { maxLength: 6 }),
        fc.array(fc.tuple(nick, nick), { maxLength: 6 }),
        fc.array(fc.tuple(nick, fc.constantFrom('10.0.0.1', '10.0.0.2', '10.0.0.3')), {
          maxLength: 6,
        }),
        fc.constantFrom(1, 2, 3, Infinity),
        (raw, now, relax, lasts, blockList, metAddrs, perAddress) => {
          const tickets = raw
            .map((r, i) => {
              const x = withIdent({ ...t(r.nick, r.ts, r.tags), sid: `s${i}` });
              return r.addr === undefined ? x : { ...x, addr: r.addr };
            })
            .sort((a, b) => a.ts - b.ts);
          const blocks = new Map<string, Set<string>>();
          for (const [x, y] of blockList)
            blocks.set(`id-${x}`, new Set([...(blocks.get(`id-${x}`) ?? []), `id-${y}`]));
          const met = lastMet(lasts, 'id-');
          for (const [x, addr] of metAddrs) {
            const m = met.get(`id-${x}`) ?? { addrs: [] };
            met.set(`id-${x}`, { ...m, addrs: [...m.addrs, addr] });
          }
          const input = {
            tickets,
            now,
            widenMs: 10_000,
            met,
            repeatRelaxMs: relax,
            blocks,
            perAddress,
          };
          const sids = (p: { a: Ticket; b: Ticket; tags: string[] }[]) =>
            p.map((x) => [x.a.sid, x.b.sid, x.tags]);
          assert.deepEqual(sids(pairTickets(input)), sids(reference(input)));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('knows a renamed person as the one just met (the identity, not the nick)', () => {
    const tickets = [withIdent(t('b', 1)), { ...t('ada2', 2), ident: 'id-ada' }];
    const met = lastMet([['b', 'ada']], 'id-');
    assert.deepEqual(pairTickets({ tickets, now: 5, widenMs: 0, met }), []);
    const other = [...tickets, withIdent(t('c', 3))];
    assert.deepEqual(names(pairTickets({ tickets: other, now: 5, widenMs: 0, met })), [
      ['b', 'c', []],
    ]);
  });

  it("lets one address's tickets past perAddress pick after everyone else's first ones", () => {
    const at = (x: Ticket, addr: string): Ticket => ({ ...x, addr });
    const tickets = [
      at(t('x1', 1), 'X'),
      at(t('x2', 2), 'X'),
      at(t('x3', 3), 'X'),
      at(t('v', 4), 'V'),
      at(t('x4', 5), 'X'),
    ];
    assert.deepEqual(
      pickOrder(tickets, 2).map((x) => x.nick),
      ['x1', 'x2', 'v', 'x3', 'x4'],
    );
    // One address alone keeps plain age order.
    const alone = tickets.map((x) => at(x, 'X'));
    assert.deepEqual(pickOrder(alone, 2), alone);
  });

  it('keeps people from an address one met lately away, unless both waited repeatRelaxMs', () => {
    const at = (x: Ticket, addr: string): Ticket => ({ ...withIdent(x), addr });
    const met = new Map<string, Met>([['id-v', { addrs: ['X'] }]]);
    const run = (tickets: Ticket[], now: number) =>
      names(pairTickets({ tickets, now, widenMs: 0, met, repeatRelaxMs: 30_000 }));
    const x = at(t('x9', 0), 'X');
    const v = at(t('v', 10), 'V');
    assert.deepEqual(run([x, v], 1_000), []);
    assert.deepEqual(run([x, v, at(t('u', 20), 'U')], 1_000), [['x9', 'u', []]]);
    assert.deepEqual(run([x, v], 30_010), [['x9', 'v', []]]);
  });

  it('gives a victim other people even when thirty identities of one address wait for them', () => {
    // Thirty identities from address X block each other, so they never meet among themselves,
    // and wait for whoever comes. V, U and W are three people from three other addresses; a
    // chat lasts one round of 2 s, then both come back to the queue.
    const attackers = Array.from({ length: 30 }, (_, i) => `x${i}`);
    const blocks = new Map(
      attackers.map((a) => [`id-${a}`, new Set(attackers.map((b) => `id-${b}`))]),
    );
    const addrOf = (n: string) => (n.startsWith('x') ? 'X' : n.toUpperCase());
    const met = new Map<string, Met>();
    let waiting: Ticket[] = [...attackers, 'v', 'u', 'w'].map((n, i) => ({
      ...withIdent(t(n, i)),
      addr: addrOf(n),
    }));
    const victim: { at: number; nick: string }[] = [];
    for (let now = 100; now < 180_000; now += 2_000) {
      const pairs = pairTickets({
        tickets: waiting,
        now,
        widenMs: 0,
        met,
        repeatRelaxMs: 30_000,
        blocks,
        perAddress: 2,
      });
      for (const { a, b } of pairs) {
        for (const [me, other] of [
          [a, b],
          [b, a],
        ] as const) {
          met.set(who(me), parseMet(metAfter(met.get(who(me)), me, other))!);
          if (me.nick === 'v') victim.push({ at: now, nick: other.nick });
        }
      }
      const paired = pairs.flatMap((p) => [p.a, p.b]);
      waiting = [
        ...waiting.filter((x) => !paired.includes(x)),
        ...paired.map((x) => ({ ...x, ts: now })),
      ];
    }
    const seen = victim.map((m) => m.nick);
    assert.ok(seen.includes('u') && seen.includes('w'), `the victim met ${seen.join(', ')}`);
    // Once met, the crowded address is kept from the victim for three times the relax time,
    // and the others come first: most of the victim's chats are with them.
    const fromX = victim.filter((m) => m.nick.startsWith('x'));
    for (let k = 1; k < fromX.length; k++)
      assert.ok(fromX[k]!.at - fromX[k - 1]!.at >= 90_000, `the victim met ${seen.join(', ')}`);
    assert.ok(fromX.length <= 180 / 90 + 1, `the victim met ${seen.join(', ')}`);
    assert.ok(fromX.length * 2 < seen.length, `the victim met ${seen.join(', ')}`);
  });

  it('pairs a queue of 50,000 waiting tickets in one pass', () => {
    // Every ticket has a tag only its twin far down the queue shares: a window would miss them.
    const n = 50_000;
    const tickets = Array.from({ length: n }, (_, i) =>
      t(`u${i}`, i, [`tag${i < n / 2 ? i : i - n / 2}`]),
    );
    const pairs = pairTickets({ tickets, now: n, widenMs: 1e9, met: none });
    assert.equal(pairs.length, n / 2);
    assert.deepEqual(names(pairs.slice(0, 1)), [['u0', 'u25000', ['tag0']]]);
  });
});
