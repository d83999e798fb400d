import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createKeys } from '@chatfleet/store';
import { type Frame, helloFrom } from '@chatfleet/testing';
import { BIG, MIB, assertContained, budgetFleet, tryHello } from './budget-helpers.js';

// One address tries for a minute to make Redis keep what it can; the product's budgets hold it
// (docs/protocol.md, Budgets). Before them: report spam grew Redis by 600 MB in 47 s.
describe('what one address can make Redis keep: reports', () => {
  const { fleet, port, attack } = budgetFleet();

  it('keeps at most REPORTS_PER_ADDRESS_HOUR reports from one address filing them for a minute', async () => {
    const { c: target } = await helloFrom(port(), '127.0.0.60', 'rpt-target');
    const res = await attack(async (until) => {
      let filed = 0;
      let refused = 0;
      let conns = 0;
      while (Date.now() < until) {
        const c = await tryHello(port());
        if (!c) continue;
        conns++;
        // As much context as it may give a report: a long DM to the one it reports.
        await c.request({ type: 'dm', to: 'rpt-target', text: BIG });
        for (let i = 0; i < 20 && Date.now() < until; i++) {
          const r: Frame = await c.request({
            type: 'report',
            nick: 'rpt-target',
            reason: 'r'.repeat(500),
          });
          if (r.type === 'reported') filed++;
          else {
            assert.equal(r['code'], 'rate_limited');
            assert.match(String(r['message']), /try again in \d+ (s|min)/);
            refused++;
          }
          await sleep(50);
        }
        c.close();
      }
      return { filed, refused, conns };
    });
    const keys = createKeys(fleet().prefix, 16);
    const admin = await fleet().admin();
    assert.equal(res.detail['filed'], 10);
    assert.equal(await admin.xlen(keys.reports()), 10);
    assert.ok((res.detail['refused'] ?? 0) > 100, 'it kept trying');
    assertContained(res, 2 * MIB, 'report spam');
    target.close();
  });
});
