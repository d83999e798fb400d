import { describe, it } from 'node:test';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { JsonClient } from '@chatfleet/testing';
import { ATTACKER, BIG, MIB, assertContained, budgetFleet, tryHello } from './budget-helpers.js';

// Before the budgets: flooding a room of readers that never read grew Redis by 100 MB.
describe('what one address can make Redis keep: a flood towards readers that never read', () => {
  const { port, attack } = budgetFleet();

  it('stores only TEXT_BYTES_PER_ADDRESS_MIN of a minute of flooding', async () => {
    const readers: JsonClient[] = [];
    for (let i = 0; i < 10; i++) {
      const c = await tryHello(port(), ATTACKER);
      if (!c) continue;
      await c.request({ type: 'join', room: 'sink' });
      (c.socket as Socket).pause();
      readers.push(c);
    }
    const writers: JsonClient[] = [];
    while (writers.length < 20) {
      const c = await tryHello(port(), ATTACKER);
      if (!c) continue;
      await c.request({ type: 'join', room: 'sink' });
      writers.push(c);
    }
    const res = await attack(async (until) => {
      let sent = 0;
      while (Date.now() < until) {
        // Ten frames a second per connection: the rate limit, not the budget, sets the pace.
        for (const w of writers) w.send({ type: 'say', room: 'sink', text: BIG });
        sent += writers.length;
        await sleep(100);
      }
      await sleep(1000);
      const refused = writers
        .flatMap((w) => w.frames.items)
        .filter((f) => f.type === 'error' && f['code'] === 'rate_limited').length;
      return { sent, refused };
    });
    for (const c of [...readers, ...writers]) c.close();
    assertContained(res, 2 * MIB, 'a flood towards readers that never read');
  });
});
