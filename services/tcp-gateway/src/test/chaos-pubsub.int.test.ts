import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import {
  type ChaosClient,
  type Fleet,
  JsonClient,
  readMetric,
  sendSequence,
  startFleet,
  waitForAll,
  waitUntil,
  WsClient,
} from '@chatfleet/testing';

// Chaos: Redis drops the gateways' Pub/Sub connections while a room is busy. Every listener,
// on the sender's gateway and on others, must get every acknowledged message once, in order.
describe('chaos: Pub/Sub connections dropped mid-stream', () => {
  let fleet: Fleet;
  let admin: Redis;
  before(async () => {
    fleet = await startFleet({
      gateways: 2,
      wsGateways: 1,
      matchmaker: false,
      env: { RATE_PER_SEC: '1000', RATE_BURST: '1000' },
    });
    admin = await fleet.admin();
  });
  after(() => fleet.stop());

  async function room(name: string) {
    const [g1, g2] = fleet.gateways;
    const { c: sender } = await JsonClient.hello(g1!.tcpPort, `${name}-s`);
    const { c: near } = await JsonClient.hello(g1!.tcpPort, `${name}-l1`);
    const { c: far } = await JsonClient.hello(g2!.tcpPort, `${name}-l2`);
    // Two WebSocket listeners on one gateway share its native fan-out (a uWS topic).
    const { c: web } = await WsClient.hello(fleet.wsGateways[0]!.wsPort, `${name}-l3`);
    const { c: web2 } = await WsClient.hello(fleet.wsGateways[0]!.wsPort, `${name}-l4`);
    for (const c of [sender, near, far, web, web2] as ChaosClient[])
      await c.frames.request((f) => c.send(f), { type: 'join', room: name });
    return {
      sender,
      listeners: [near, far, web, web2],
      all: [sender, near, far, web, web2],
    };
  }

  async function expectExact(
    listeners: ChaosClient[],
    name: string,
    acked: { id: number; text: string }[],
  ) {
    for (const [i, l] of listeners.entries()) {
      const r = await waitForAll(l.frames, name, acked, 15_000);
      assert.deepEqual(r.missing, [], `listener ${i} missed messages`);
      assert.deepEqual(r.duplicates, [], `listener ${i} got duplicates`);
      assert.ok(r.inOrder, `listener ${i} got them out of order`);
      assert.deepEqual(r.resyncs, [], `listener ${i} was told of a loss that did not happen`);
    }
  }

  it('delivers all 150 messages after one CLIENT KILL TYPE pubsub', async () => {
    const r = await room('kill-once');
    const killer = setTimeout(() => void admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub'), 1000);
    const acked = await sendSequence(r.sender, 'kill-once', { count: 150, perSec: 50, tag: 'k1' });
    clearTimeout(killer);
    assert.equal(acked.length, 150);
    await expectExact([...r.listeners, r.sender], 'kill-once', acked);
    for (const c of r.all) c.close();
  });

  it('delivers every message while Pub/Sub is killed every 300 ms for 5 s', async () => {
    const r = await room('kill-often');
    let kills = 0;
    const killer = setInterval(() => {
      kills++;
      void admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
    }, 300);
    const stop = setTimeout(() => clearInterval(killer), 5000);
    const acked = await sendSequence(r.sender, 'kill-often', {
      count: 300,
      perSec: 50,
      tag: 'k2',
    });
    clearInterval(killer);
    clearTimeout(stop);
    assert.ok(kills >= 15, `killed ${kills} times`);
    assert.equal(acked.length, 300);
    await expectExact([...r.listeners, r.sender], 'kill-often', acked);
    for (const c of r.all) c.close();
  });
});

describe('chaos: a stalled subscriber dropped by client-output-buffer-limit', () => {
  let fleet: Fleet;
  let admin: Redis;
  before(async () => {
    // A window big enough for the whole burst: this test is about the drop, not the window.
    fleet = await startFleet({
      gateways: 2,
      matchmaker: false,
      env: { RECENT_MAX: '5000', RATE_PER_SEC: '10000', RATE_BURST: '10000' },
    });
    admin = await fleet.admin();
  });
  after(() => fleet.stop());

  it('catches up every message once the frozen gateway runs again', async () => {
    const [g1, g2] = fleet.gateways;
    const senders = await Promise.all(
      [0, 1, 2, 3].map(async (i) => (await JsonClient.hello(g1!.tcpPort, `obuf-s${i}`)).c),
    );
    const { c: near } = await JsonClient.hello(g1!.tcpPort, 'obuf-l1');
    const { c: far } = await JsonClient.hello(g2!.tcpPort, 'obuf-l2');
    for (const c of [...senders, near, far]) await c.request({ type: 'join', room: 'obuf' });
    const resubscribes = () => readMetric(g2!.metricsPort, 'chat_resubscribes_total');
    const before = await resubscribes();
    await admin.config('SET', 'client-output-buffer-limit', 'pubsub 256kb 0 0');
    // Frozen, the far gateway stops reading; past the kernel's buffers Redis's own fills up.
    g2!.proc.kill('SIGSTOP');
    let acked;
    try {
      const parts = await Promise.all(
        senders.map((c, i) =>
          sendSequence(c, 'obuf', {
            count: 800,
            perSec: 100_000,
            tag: `ob${i}`,
            text: 'x'.repeat(1990),
          }),
        ),
      );
      acked = parts.flat().sort((a, b) => a.id - b.id);
    } finally {
      g2!.proc.kill('SIGCONT');
      await admin.config('SET', 'client-output-buffer-limit', 'pubsub 32mb 8mb 60');
    }
    // Redis 7.0 keeps no count of these drops; the gateway's resubscribe shows it happened.
    await waitUntil(async () => (await resubscribes()) > before, 10_000, 'the resubscribe');
    for (const [i, l] of [near, far].entries()) {
      const r = await waitForAll(l.frames, 'obuf', acked, 20_000);
      assert.equal(r.missing.length, 0, `listener ${i} missed ${r.missing.length}`);
      assert.deepEqual(r.duplicates, [], `listener ${i} got duplicates`);
      assert.ok(r.inOrder, `listener ${i} got them out of order`);
      assert.deepEqual(r.resyncs, []);
    }
    for (const c of [...senders, near, far]) c.close();
  });
});
