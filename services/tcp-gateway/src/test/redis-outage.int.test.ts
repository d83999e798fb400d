import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { claimNick } from '@chatfleet/store';
import {
  type Fleet,
  JsonClient,
  readMetric,
  startFleet,
  startRedis,
  type TestRedis,
  waitUntil,
} from '@chatfleet/testing';
import { outageScene } from './outage-scene.js';

describe('Redis going away and coming back', () => {
  let redis: TestRedis;
  let fleet: Fleet;
  before(async () => {
    redis = await startRedis({ appendonly: true });
    fleet = await startFleet({ gateways: 1, redis });
  });
  after(async () => {
    await fleet.stop();
    await redis.destroy();
  });

  it('answers unavailable while Redis is down and recovers by itself', async () => {
    const port = fleet.gateways[0]!.tcpPort;
    const { c: a } = await JsonClient.hello(port, 'outagea');
    const { c: b } = await JsonClient.hello(port, 'outageb');
    await a.request({ type: 'join', room: 'up' });
    await b.request({ type: 'join', room: 'up' });
    await redis.stop();
    const started = Date.now();
    const say = await a.request({ type: 'say', room: 'up', text: 'into the void' });
    assert.equal(say['code'], 'unavailable');
    assert.equal((await a.request({ type: 'join', room: 'other' }))['code'], 'unavailable');
    assert.equal((await a.request({ type: 'rooms' }))['code'], 'unavailable');
    assert.ok(Date.now() - started < 10_000, 'refusals come quickly');
    assert.equal((await a.request({ type: 'ping' }))['type'], 'pong');
    const health = async () =>
      (await fetch(`http://127.0.0.1:${fleet.gateways[0]!.metricsPort}/healthz`)).status;
    await waitUntil(async () => (await health()) === 503, 8000, '/healthz to say 503');
    await redis.start();
    await waitUntil(async () => (await health()) === 200, 15_000, '/healthz to say 200 again');
    await waitUntil(
      async () =>
        (await a.request({ type: 'say', room: 'up', text: 'back again' }))['type'] !== 'error',
      15_000,
      'say to work again',
    );
    const got = await b.next('message', (m) => m['text'] === 'back again', 5000);
    assert.equal(got['from'], 'outagea');
    assert.ok(!b.frames.items.some((f) => f['text'] === 'into the void'));
    assert.equal(fleet.gateways[0]!.proc.exitCode, null, 'the gateway is still running');
    // Redis kept its data (the fleet epoch is the same): nothing to restore, no herd.
    const restores = await readMetric(
      fleet.gateways[0]!.metricsPort,
      'chat_gateway_session_restores_total',
    );
    assert.equal(restores, 0);
    a.close();
    b.close();
  });
});

// Longer than GATEWAY_TIMEOUT_MS away, every gateway's last heartbeat is old when Redis comes
// back: the first reaper to look would declare the others dead and close all their sessions.
describe('Redis away for longer than GATEWAY_TIMEOUT_MS, with its data', () => {
  const TIMEOUT_MS = 2000;
  let redis: TestRedis;
  let fleet: Fleet;
  before(async () => {
    redis = await startRedis({ appendonly: true });
    fleet = await startFleet({
      gateways: 2,
      redis,
      env: { GATEWAY_TIMEOUT_MS: String(TIMEOUT_MS), HEARTBEAT_MS: '500', LEASE_MS: '6000' },
    });
  });
  after(async () => {
    await fleet.stop();
    await redis.destroy();
  });

  it('declares no gateway dead on its return: users stay, and a waiting stranger is still matched', async () => {
    const scene = await outageScene(fleet, 'away');
    const { a, b } = scene;

    await redis.stop();
    await sleep(TIMEOUT_MS * 2.5);
    await redis.start();
    await waitUntil(
      async () =>
        (await a.request({ type: 'say', room: 'stay', text: 'back' }))['type'] !== 'error',
      15_000,
      'say to work again',
    );
    // The reapers look four times a heartbeat: give them two timeouts to get it wrong.
    await sleep(TIMEOUT_MS * 2);

    await scene.expectNobodyGone();
    await a.request({ type: 'say', room: 'stay', text: 'still here' });
    await b.next('message', (m) => m['text'] === 'still here', 5000);
    await scene.expectStillMatched();
  });
});

describe('a gateway that has not watched Redis for a whole GATEWAY_TIMEOUT_MS yet', () => {
  it('routes a DM for a silent gateway’s user through that gateway, not into the mailbox; the reaper later keeps it for them', async () => {
    const TIMEOUT_MS = 5000;
    const fleet = await startFleet({
      gateways: 0,
      matchmaker: false,
      historyWriter: false,
      env: { GATEWAY_TIMEOUT_MS: String(TIMEOUT_MS), LEASE_MS: String(3 * TIMEOUT_MS) },
    });
    try {
      const admin = await fleet.admin();
      const store = await fleet.store();
      // A user of a gateway last heard of long ago: how every gateway looks right after an outage.
      await admin.zadd(store.keys.gateways(), 1, 'gw-silent');
      const claimed = await claimNick(store, {
        nick: 'quiet',
        gw: 'gw-silent',
        sid: 'gw-silent.1',
        gatewayTimeoutMs: TIMEOUT_MS,
      });
      assert.equal(claimed.status, 'ok');
      const g = await fleet.add('tcp-gateway');
      const { c: x } = await JsonClient.hello(g.tcpPort, 'loud');
      const reply = await x.request({ type: 'dm', to: 'quiet', text: 'are you there' });
      assert.equal(reply.type, 'dm');
      await waitUntil(
        async () => (await admin.xlen(store.keys.inbox('gw-silent'))) === 1,
        5000,
        'the DM in the silent gateway’s inbox',
      );
      assert.equal(await admin.zcard(store.keys.mailbox('quiet')), 0);
      // Once it has watched for a timeout, the silent gateway is reaped, and the DM waiting in its
      // inbox goes to the mailbox, where the user's next welcome finds it.
      await waitUntil(
        async () => (await admin.zcard(store.keys.mailbox('quiet'))) === 1,
        TIMEOUT_MS * 3,
        'the DM kept in the mailbox',
      );
      x.close();
    } finally {
      await fleet.stop();
    }
  });
});

describe('Redis restarting without its data', () => {
  let redis: TestRedis;
  let fleet: Fleet;
  before(async () => {
    redis = await startRedis({ appendonly: false });
    fleet = await startFleet({ gateways: 1, redis });
  });
  after(async () => {
    await fleet.stop();
    await redis.destroy();
  });

  it('puts back nicks, members and waiting tickets, so the fleet carries on', async () => {
    const port = fleet.gateways[0]!.tcpPort;
    const { c: a, welcome } = await JsonClient.hello(port, 'amnesia');
    await a.request({ type: 'join', room: 'kept' });
    const { c: w } = await JsonClient.hello(port, 'waiter');
    w.send({ type: 'match' });
    await w.next('waiting');
    await redis.stop();
    await redis.start();
    await waitUntil(
      async () =>
        (
          (await a.request({ type: 'who', room: 'kept' }))['nicks'] as string[] | undefined
        )?.join() === 'amnesia',
      15_000,
      'membership to come back',
    );
    // Both sessions were put back once the new fleet epoch showed Redis had lost its data.
    const restored = () =>
      readMetric(fleet.gateways[0]!.metricsPort, 'chat_gateway_session_restores_total', {
        outcome: 'ok',
      });
    await waitUntil(async () => (await restored()) >= 2, 5000, 'two restores');
    const thief = await JsonClient.connect(port);
    assert.equal((await thief.request({ type: 'hello', nick: 'amnesia' }))['code'], 'nick_taken');
    const { c: again } = await JsonClient.hello(port, 'amnesia', String(welcome['token']));
    await a.next('bye');
    const { c: n } = await JsonClient.hello(port, 'newcomer');
    n.send({ type: 'match' });
    assert.equal((await w.next('matched', () => true, 10_000))['partner'], 'newcomer');
    for (const c of [thief, again, n, w]) c.close();
  });
});

describe('SIGTERM while Redis is down', () => {
  it('ends every service within SHUTDOWN_GRACE_MS plus a second, exiting 0', async () => {
    const redis = await startRedis();
    const fleet = await startFleet({ redis, env: { SHUTDOWN_GRACE_MS: '2000' } });
    await fleet.add('ws-gateway', { SHUTDOWN_GRACE_MS: '2000' });
    const { c } = await JsonClient.hello(fleet.gateways[0]!.tcpPort, 'stranded');
    await c.request({ type: 'join', room: 'gone' });
    await redis.stop(true);
    // Long enough for every connection to notice and every blocked read to be in its retry.
    await new Promise((r) => setTimeout(r, 1500));
    const timings = await Promise.all(
      fleet.services.map(async (s) => {
        const t0 = Date.now();
        const code = await s.stop('SIGTERM', 10_000);
        return { name: s.name, code, ms: Date.now() - t0 };
      }),
    );
    const late = timings.filter((t) => t.code !== 0 || t.ms > 3000);
    assert.deepEqual(late, [], JSON.stringify(timings));
    c.close();
    // The harness cleans its keys up in Redis: give it one.
    await redis.start();
    await fleet.stop();
    await redis.destroy();
  });
});
