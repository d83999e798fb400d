import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createKeys } from '@chatfleet/store';
import { type Frame, helloFrom, waitUntil } from '@chatfleet/testing';
import { BIG, MIB, assertContained, budgetFleet, tryHello } from './budget-helpers.js';

// Before the budgets: DMs to nicks held for people away grew Redis by 112 MB in 48 s.
describe('what one address can make Redis keep: DMs for people who are away', () => {
  const { fleet, port, attack } = budgetFleet();

  it('keeps at most OFFLINE_DMS_PER_HOUR DMs in mailboxes from one address trying for a minute', async () => {
    const admin = await fleet().admin();
    const keys = createKeys(fleet().prefix, 16);
    const away: string[] = [];
    for (let i = 0; i < 60; i++) away.push(`away${i}`);
    // People who came and went (from addresses of their own), their nicks held for them.
    for (const [i, nick] of away.entries()) {
      const { c } = await helloFrom(port(), `127.0.1.${10 + i}`, nick);
      c.close();
    }
    await waitUntil(
      async () => {
        for (const nick of away) if (await admin.hexists(keys.nick(nick), 'gw')) return false;
        return true;
      },
      10_000,
      'every nick held',
    );
    const res = await attack(async (until) => {
      let kept = 0;
      let refused = 0;
      let i = 0;
      while (Date.now() < until) {
        const c = await tryHello(port());
        if (!c) continue;
        for (let k = 0; k < 20 && Date.now() < until; k++) {
          const to = away[i++ % away.length]!;
          const r: Frame = await c.request({ type: 'dm', to, text: BIG });
          if (r.type === 'dm') kept++;
          else {
            assert.equal(r['code'], 'rate_limited');
            refused++;
          }
        }
        c.close();
      }
      return { kept, refused };
    });
    assert.equal(res.detail['kept'], 30);
    let inMailboxes = 0;
    for (const nick of away) inMailboxes += await admin.zcard(keys.mailbox(nick));
    assert.equal(inMailboxes, 30);
    assertContained(res, 2 * MIB, 'DMs for people away');
  });
});
