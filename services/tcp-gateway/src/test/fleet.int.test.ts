import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  type Fleet,
  type Frame,
  JsonClient,
  readMetric,
  startFleet,
  waitUntil,
} from '@chatfleet/testing';
import { createKeys } from '@chatfleet/store';

describe('several gateways on one Redis', () => {
  let fleet: Fleet;
  let p1: number;
  let p2: number;
  before(async () => {
    fleet = await startFleet({ gateways: 2 });
    [p1, p2] = fleet.gateways.map((g) => g.tcpPort) as [number, number];
  });
  after(() => fleet.stop());

  it('matches two users on different gateway processes and lets them chat and DM', async () => {
    const { c: a } = await JsonClient.hello(p1, 'crossa');
    const { c: b } = await JsonClient.hello(p2, 'crossb');
    a.send({ type: 'match', tags: ['go'] });
    b.send({ type: 'match', tags: ['go', 'rust'] });
    const ma = await a.next('matched');
    const mb = await b.next('matched');
    assert.equal(ma['room'], mb['room']);
    assert.equal(ma['partner'], 'crossb');
    assert.deepEqual(ma['tags'], ['go']);
    a.send({ type: 'say', room: ma['room'], text: 'hi from 1' });
    assert.equal((await b.next('message'))['text'], 'hi from 1');
    b.send({ type: 'dm', to: 'crossa', text: 'dm from 2' });
    assert.equal((await a.next('dm'))['text'], 'dm from 2');
    a.close();
    await b.next('partner_left');
    b.close();
  });

  it('shows every member the same order under concurrent senders on two gateways', async () => {
    const clients: JsonClient[] = [];
    for (const [i, port] of [p1, p2, p1, p2].entries()) {
      const { c } = await JsonClient.hello(port, `order${i}`);
      await c.request({ type: 'join', room: 'order' });
      clients.push(c);
    }
    const per = 15;
    await Promise.all(
      clients.map(async (c, i) => {
        for (let k = 0; k < per; k++) c.send({ type: 'say', room: 'order', text: `${i}:${k}` });
      }),
    );
    const total = per * clients.length;
    const seen = await Promise.all(
      clients.map(async (c) => {
        const got: Frame[] = [];
        for (let n = 0; n < total; n++) got.push(await c.next('message', () => true, 10_000));
        return got;
      }),
    );
    const ids = seen[0]!.map((m) => Number(m['id']));
    assert.deepEqual(
      [...ids].sort((x, y) => x - y),
      ids,
      'ids strictly increase',
    );
    assert.equal(new Set(ids).size, total);
    for (const s of seen)
      assert.deepEqual(
        s.map((m) => m['id']),
        seen[0]!.map((m) => m['id']),
      );
    for (const c of clients) c.close();
  });
});

describe('a gateway that dies or stops', () => {
  let fleet: Fleet;
  before(async () => {
    fleet = await startFleet({ gateways: 2 });
  });
  after(() => fleet.stop());

  it('after kill -9, removes its users from member lists and tells partners within 15 s', async () => {
    const doomed = await fleet.add('tcp-gateway');
    const survivor = fleet.gateways[0]!.tcpPort;
    const { c: a } = await JsonClient.hello(survivor, 'survivor');
    const { c: v, welcome: first } = await JsonClient.hello(doomed.tcpPort, 'victim');
    await a.request({ type: 'join', room: 'wake' });
    await v.request({ type: 'join', room: 'wake' });
    const { c: s } = await JsonClient.hello(survivor, 'stranded');
    s.send({ type: 'match' });
    v.send({ type: 'match' });
    await s.next('matched');
    await v.next('matched');
    const killedAt = Date.now();
    await doomed.stop('SIGKILL');
    await s.next('partner_left', () => true, 15_000);
    const leave = await a.next(
      'presence',
      (f) => f['event'] === 'leave' && f['nick'] === 'victim',
      15_000,
    );
    assert.equal(leave['count'], 1);
    assert.ok(Date.now() - killedAt < 15_000);
    assert.deepEqual((await a.request({ type: 'who', room: 'wake' }))['nicks'], ['survivor']);
    // The nick is held for its owner: a stranger is refused, the token takes it back.
    const stranger = await JsonClient.connect(survivor);
    const refused = await stranger.request({ type: 'hello', nick: 'victim' });
    assert.equal(refused['code'], 'nick_taken');
    const { c: back, welcome } = await JsonClient.hello(survivor, 'victim', String(first['token']));
    assert.equal(welcome['nick'], 'victim');
    // Exactly one survivor reaped it, and counted the one session it cleaned up.
    const sum = async (name: string) => {
      let n = 0;
      for (const g of fleet.gateways) if (g !== doomed) n += await readMetric(g.metricsPort, name);
      return n;
    };
    await waitUntil(async () => (await sum('chat_gateway_reaps_total')) === 1, 5000, 'one reap');
    assert.equal(await sum('chat_gateway_reaped_sessions_total'), 1);
    for (const c of [a, s, stranger, back]) c.close();
  });

  it('on SIGTERM says bye shutdown to everyone, cleans up and exits 0', async () => {
    const leaving = await fleet.add('tcp-gateway');
    const { c: watcher } = await JsonClient.hello(fleet.gateways[0]!.tcpPort, 'watcher');
    await watcher.request({ type: 'join', room: 'term' });
    const users = await Promise.all(
      [1, 2, 3].map((i) => JsonClient.hello(leaving.tcpPort, `term${i}`)),
    );
    for (const { c } of users) await c.request({ type: 'join', room: 'term' });
    const code = await leaving.stop('SIGTERM');
    assert.equal(code, 0);
    for (const { c } of users) {
      assert.deepEqual(await c.next('bye'), { type: 'bye', reason: 'shutdown' });
      await c.closed;
    }
    await waitUntil(
      async () =>
        ((await watcher.request({ type: 'who', room: 'term' }))['nicks'] as string[]).length === 1,
      3000,
      'members to leave',
    );
    watcher.close();
  });
});

describe('a gateway the fleet declared dead while it was only stalled', () => {
  it('closes its sessions with bye shutdown when it comes back, so they reconnect cleanly', async () => {
    const env = { GATEWAY_TIMEOUT_MS: '3000', HEARTBEAT_MS: '500' };
    const fleet = await startFleet({ gateways: 1, env });
    try {
      const stalled = await fleet.add('tcp-gateway', env);
      const { c: watcher } = await JsonClient.hello(fleet.gateways[0]!.tcpPort, 'watcher2');
      await watcher.request({ type: 'join', room: 'stall' });
      const { c: ghost, welcome } = await JsonClient.hello(stalled.tcpPort, 'sleeper');
      const token = String(welcome['token']);
      await ghost.request({ type: 'join', room: 'stall' });
      stalled.proc.kill('SIGSTOP');
      // The others reap it: its user leaves the room and the nick is free.
      await watcher.next(
        'presence',
        (f) => f['event'] === 'leave' && f['nick'] === 'sleeper',
        15_000,
      );
      // Its user comes back through another gateway (with the token), and the frozen client
      // speaks before its gateway wakes up: that gateway must not act for the nick any more.
      const { c: taker } = await JsonClient.hello(fleet.gateways[0]!.tcpPort, 'sleeper', token);
      await taker.request({ type: 'join', room: 'stall' });
      ghost.send({ type: 'say', room: 'stall', text: 'ghost speaking' });
      await sleep(200);
      stalled.proc.kill('SIGCONT');
      // Back, it must not keep a session the fleet no longer knows (a ghost whose nick others
      // could take): the client is told to reconnect.
      assert.deepEqual(await ghost.next('bye', () => true, 10_000), {
        type: 'bye',
        reason: 'shutdown',
      });
      await ghost.closed;
      await taker.request({ type: 'say', room: 'stall', text: 'taker speaking' });
      const heard = await watcher.next('message', (f) => f['from'] === 'sleeper');
      assert.equal(heard['text'], 'taker speaking');
      taker.close();
      await watcher.next('presence', (f) => f['event'] === 'leave' && f['nick'] === 'sleeper');
      const { c: again } = await JsonClient.hello(stalled.tcpPort, 'sleeper', token);
      assert.equal((await again.request({ type: 'join', room: 'stall' }))['type'], 'joined');
      await watcher.next('presence', (f) => f['event'] === 'join' && f['nick'] === 'sleeper');
      assert.equal(await readMetric(stalled.metricsPort, 'chat_gateway_declared_dead_total'), 1);
      for (const c of [watcher, again]) c.close();
    } finally {
      await fleet.stop();
    }
  });

  it('closes its sessions when it wakes while the reaper is still at work (listed, but marked)', async () => {
    const env = { GATEWAY_TIMEOUT_MS: '3000', HEARTBEAT_MS: '300' };
    const fleet = await startFleet({ gateways: 1, env, matchmaker: false });
    try {
      const { c } = await JsonClient.hello(fleet.gateways[0]!.tcpPort, 'midreap');
      await c.request({ type: 'join', room: 'midreap' });
      const keys = createKeys(fleet.prefix, 16);
      const admin = await fleet.admin();
      const gw = await admin.hget(keys.nick('midreap'), 'gw');
      // What a reaper does first, before cleaning up and long before it deregisters the
      // gateway: the mark. The gateway's heartbeat still finds itself listed.
      await admin.set(keys.reaped(gw ?? ''), 'another-gateway', 'PX', 60_000);
      assert.deepEqual(await c.next('bye', () => true, 5000), { type: 'bye', reason: 'shutdown' });
      assert.equal(
        await readMetric(fleet.gateways[0]!.metricsPort, 'chat_gateway_declared_dead_total'),
        1,
      );
    } finally {
      await fleet.stop();
    }
  });
});
