import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { createKeys, type Keys } from '@chatfleet/store';
import { type Fleet, JsonClient, startFleet, visitAndLeave } from '@chatfleet/testing';

const ROUNDS = 12;
const BURST = 15;

describe('a mailbox handed out while DMs keep coming', () => {
  let fleet: Fleet;
  let admin: Redis;
  let keys: Keys;
  before(async () => {
    fleet = await startFleet({
      gateways: 2,
      matchmaker: false,
      env: { RATE_PER_SEC: '1000', RATE_BURST: '1000' },
    });
    admin = await fleet.admin();
    keys = createKeys(fleet.prefix, 16);
  });
  after(() => fleet.stop());

  // The claim makes the returning session the nick's holder, so a DM routed from then on comes
  // live and could be shown before the ones kept in the mailbox. Each round races a burst of
  // DMs from another gateway against the hello; before the fix most runs showed one too early.
  it('shows kept and live DMs in the order they were sent, none twice, none lost', async () => {
    const [g0, g1] = fleet.gateways;
    const { c: friend } = await JsonClient.hello(g1!.tcpPort, 'order-friend');
    for (let r = 0; r < ROUNDS; r++) {
      const nick = `order-victim-${r}`;
      const { token } = await visitAndLeave(g0!.tcpPort, nick, admin, keys);
      await friend.request({ type: 'dm', to: nick, text: 'kept' });
      const sent = Array.from({ length: BURST }, (_, i) =>
        friend.request({ type: 'dm', to: nick, text: `m${i}` }),
      );
      // Let the burst start, so its DMs are routed on both sides of the claim.
      await sleep(r % 3);
      const back = await JsonClient.connect(g0!.tcpPort);
      const w = await back.request({ type: 'hello', nick, token });
      assert.equal(w.type, 'welcome', JSON.stringify(w));
      for (const ack of await Promise.all(sent)) assert.equal(ack.type, 'dm', JSON.stringify(ack));
      await back.next('dm', (f) => f['text'] === `m${BURST - 1}`);
      await sleep(100);
      const texts = back.frames.items.filter((f) => f.type === 'dm').map((f) => f['text']);
      const want = ['kept', ...Array.from({ length: BURST }, (_, i) => `m${i}`)];
      assert.deepEqual(texts, want, `round ${r}`);
      back.close();
    }
    friend.close();
  });
});
