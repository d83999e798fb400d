import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Frame } from '@chatfleet/testing';
import { BIG, MIB, assertContained, budgetFleet, tryHello } from './budget-helpers.js';

// One address tries for a minute to make Redis keep what it can; the product's budgets hold it
// (docs/protocol.md, Budgets). Before them: report spam grew Redis by 600 MB in 47 s.
describe('what one address can make Redis keep: rooms', () => {
  const { port, attack } = budgetFleet();

  it('lets one address open at most ROOMS_PER_ADDRESS_HOUR rooms, and talk in them only so much', async () => {
    const res = await attack(async (until) => {
      let opened = 0;
      let refusedRooms = 0;
      let said = 0;
      let refusedText = 0;
      let n = 0;
      while (Date.now() < until) {
        const c = await tryHello(port());
        if (!c) continue;
        for (let i = 0; i < 15 && Date.now() < until; i++) {
          const room = `atk-${n++}`;
          const j: Frame = await c.request({ type: 'join', room });
          if (j.type !== 'joined') {
            assert.equal(j['code'], 'rate_limited');
            refusedRooms++;
            await sleep(100);
            continue;
          }
          opened++;
          for (let k = 0; k < 3; k++) {
            const m: Frame = await c.request({ type: 'say', room, text: BIG });
            if (m.type === 'message') said++;
            else refusedText++;
          }
        }
        c.close();
      }
      return { opened, refusedRooms, said, refusedText };
    });
    assert.equal(res.detail['opened'], 20);
    // 128 KiB of text a minute: 65 messages of 2,000 bytes.
    assert.ok((res.detail['said'] ?? 0) <= 66, `${res.detail['said']} messages stored`);
    assertContained(res, 2 * MIB, 'rooms opened and talked in');
  });
});
