import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  type ChaosClient,
  checkDelivery,
  fillLikeAClient,
  type Fleet,
  JsonClient,
  sendSequence,
  startFleet,
  startRedis,
  type TestRedis,
  waitForAll,
  WsClient,
} from '@chatfleet/testing';

// Chaos: Redis restarts while a room is busy. With its data (AOF) nothing may be lost; without
// it, whatever a listener did not get must be announced (resync recovered:false), never silent.
for (const appendonly of [true, false]) {
  describe(`chaos: Redis restarts ${appendonly ? 'with its data (AOF)' : 'empty'} under traffic`, () => {
    let redis: TestRedis;
    let fleet: Fleet;
    before(async () => {
      redis = await startRedis({ appendonly });
      fleet = await startFleet({
        gateways: 2,
        // Two WebSocket listeners share its native fan-out (a uWS topic) for the room.
        wsGateways: 1,
        redis,
        matchmaker: false,
        env: { RATE_PER_SEC: '1000', RATE_BURST: '1000' },
      });
    });
    after(async () => {
      await fleet.stop();
      await redis.destroy();
    });

    it(
      appendonly
        ? 'delivers every acknowledged message once, in order, with no loss announced'
        : 'announces the loss to every listener and then delivers what follows in order',
      async () => {
        const [g1, g2] = fleet.gateways;
        const { c: sender } = await JsonClient.hello(g1!.tcpPort, 'rs-sender');
        const { c: near } = await JsonClient.hello(g1!.tcpPort, 'rs-near');
        const { c: far } = await JsonClient.hello(g2!.tcpPort, 'rs-far');
        const wsPort = fleet.wsGateways[0]!.wsPort;
        const { c: web1 } = await WsClient.hello(wsPort, 'rs-web1');
        const { c: web2 } = await WsClient.hello(wsPort, 'rs-web2');
        for (const c of [sender, near, far]) await c.request({ type: 'join', room: 'restart' });
        for (const c of [web1, web2]) await c.request({ type: 'join', room: 'restart' });
        const restart = setTimeout(() => {
          void (async () => {
            await redis.stop();
            await new Promise((r) => setTimeout(r, 500));
            await redis.start();
          })();
        }, 1000);
        const acked = await sendSequence(sender, 'restart', {
          count: 150,
          perSec: 50,
          tag: 'rs',
          deadlineMs: 60_000,
        });
        clearTimeout(restart);
        assert.equal(acked.length, 150);
        const listeners: ChaosClient[] = [near, far, web1, web2];
        for (const [i, l] of listeners.entries()) {
          const r = await waitForAll(l.frames, 'restart', acked, 15_000);
          assert.deepEqual(r.duplicates, [], `listener ${i} got duplicates`);
          assert.ok(r.inOrder, `listener ${i} got them out of order`);
          if (appendonly) {
            assert.deepEqual(r.missing, [], `listener ${i} missed messages`);
            assert.deepEqual(r.resyncs, [], `listener ${i} was told of a loss`);
          } else {
            // The epoch changed: the gateway cannot know what it missed, so it says so, and
            // every message acknowledged after the restart still arrives.
            assert.ok(r.resyncs.length >= 1, `listener ${i} was not told`);
            assert.equal(r.resyncs[0]?.['recovered'], false);
            const told = l.frames.items.indexOf(r.resyncs[0]!);
            const after = checkDelivery(l.frames.items.slice(told), 'restart', []);
            assert.ok(after.inOrder);
            const lateIds = new Set(
              l.frames.items
                .slice(told)
                .filter((f) => f.type === 'message')
                .map((f) => Number(f['id'])),
            );
            const lastAckBefore = acked.findIndex((a) => lateIds.has(a.id));
            assert.ok(lastAckBefore >= 0, `listener ${i} got nothing after the restart`);
            for (const a of acked.slice(lastAckBefore))
              assert.ok(lateIds.has(a.id), `listener ${i} missed ${a.text} after the notice`);
            // Whatever went missing before the notice is what the notice was about.
            for (const m of r.missing) assert.ok(!lateIds.has(m.id));
          }
          // A client fills from history and tells its user only when something is really gone:
          // nothing to fill with the data kept; with it wiped the history is gone too.
          const fill = await fillLikeAClient(l, 'restart');
          assert.deepEqual(
            fill.outcomes.map((o) => o.status),
            appendonly ? [] : ['lost'],
            `listener ${i}`,
          );
          for (const a of acked)
            if (!r.missing.some((m) => m.id === a.id))
              assert.ok(fill.shown.has(a.id), `listener ${i}'s client would not show ${a.text}`);
        }
        for (const c of [sender, near, far, web1, web2]) c.close();
      },
    );
  });
}
