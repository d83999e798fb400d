import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Fleet, type Frame, JsonClient, startFleet } from '@chatfleet/testing';

/** Connects from `address` and says hello as `nick`. */
async function person(port: number, address: string, nick: string): Promise<JsonClient> {
  const c = await JsonClient.connect(port, address);
  c.send({ type: 'hello', nick });
  await c.next('welcome');
  return c;
}

/** Asks to be matched until the answer is `waiting` (a burst of requests may be rate limited). */
async function queue(c: JsonClient): Promise<void> {
  for (;;) {
    if ((await c.request({ type: 'match' }, 10_000)).type === 'waiting') return;
    await sleep(1000);
  }
}

/** Whoever is matched stays in the chat until their partner leaves, then asks again. */
function keepWaiting(c: JsonClient, stop: () => boolean): Promise<void> {
  return (async () => {
    await queue(c);
    let seen = 0;
    while (!stop()) {
      const ended = c.frames.items.filter((f) => f.type === 'partner_left').length;
      if (ended > seen) {
        seen = ended;
        await queue(c);
      }
      await sleep(100);
    }
  })();
}

/** MATCH_REPEAT_RELAX_MS here: 10 s instead of 30 s, so the test sees several rounds. */
const RELAX = 10_000;

// Issue 26: thirty identities from one address, blocking each other so they never meet, took
// ten of ten of a victim's matches and both other people waiting.
describe('thirty identities from one address against one person', () => {
  let fleet: Fleet;
  let port: number;
  before(async () => {
    fleet = await startFleet({
      gateways: 1,
      env: { NEXT_INTERVAL_MS: '0', MATCH_WIDEN_MS: '0', MATCH_REPEAT_RELAX_MS: String(RELAX) },
    });
    port = fleet.gateways[0]!.tcpPort;
  });
  after(() => fleet.stop());

  it('cannot surround them: the person meets the others who are there', async () => {
    const names = Array.from({ length: 30 }, (_, i) => `swarm${i}`);
    const swarm = await Promise.all(names.map((n) => person(port, '127.0.0.70', n)));
    // Each blocks all the others: they are never paired among themselves.
    await Promise.all(
      swarm.map(async (c, i) => {
        for (const other of names)
          if (other !== names[i]) await c.request({ type: 'block', nick: other });
      }),
    );
    let stopping = false;
    const stop = () => stopping;
    const loops = swarm.map((c) => keepWaiting(c, stop));
    await sleep(500);
    const victim = await person(port, '127.0.0.71', 'victim');
    const others = [
      await person(port, '127.0.0.72', 'other-u'),
      await person(port, '127.0.0.73', 'other-w'),
    ];
    // The others chat for a second with whoever they meet, then move on.
    const count = (c: JsonClient, type: string) =>
      c.frames.items.filter((f) => f.type === type).length;
    const chatting = others.map((c) =>
      (async () => {
        c.send({ type: 'match' });
        let matched = 0;
        let left = 0;
        while (!stopping) {
          if (count(c, 'partner_left') > left) {
            left = count(c, 'partner_left');
            c.send({ type: 'match' });
          } else if (count(c, 'matched') > matched) {
            matched = count(c, 'matched');
            await sleep(1000);
            if (count(c, 'partner_left') === left) c.send({ type: 'next' });
          }
          await sleep(50);
        }
      })(),
    );
    // The victim moves on at once from whoever it meets, for a minute.
    const met: { nick: string; at: number }[] = [];
    const until = Date.now() + 60_000;
    victim.send({ type: 'match' });
    while (Date.now() < until) {
      const m: Frame | undefined = await victim
        .next('matched', () => true, until - Date.now())
        .catch(() => undefined);
      if (!m) break;
      met.push({ nick: String(m['partner']), at: Date.now() });
      await sleep(200);
      victim.send({ type: 'next' });
    }
    stopping = true;
    await Promise.all([...loops, ...chatting]);
    const seen = met.map((m) => m.nick);
    console.log(`the victim met: ${seen.join(', ')}`);
    assert.ok(seen.includes('other-u') && seen.includes('other-w'), seen.join(', '));
    // Once met, the swarm's crowded address is kept from the victim for three times
    // MATCH_REPEAT_RELAX_MS, and the two others come first (before: ten of ten in seconds).
    const fromSwarm = met.filter((m) => m.nick.startsWith('swarm'));
    for (let k = 1; k < fromSwarm.length; k++)
      assert.ok(fromSwarm[k]!.at - fromSwarm[k - 1]!.at >= 3 * RELAX * 0.9, seen.join(', '));
    assert.ok(fromSwarm.length <= 60_000 / (3 * RELAX) + 1, seen.join(', '));
    assert.ok(fromSwarm.length * 2 <= seen.length, seen.join(', '));
    for (const c of [...swarm, victim, ...others]) c.close();
  });
});
