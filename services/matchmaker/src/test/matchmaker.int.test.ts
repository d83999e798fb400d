import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { requestMatch } from '@chatfleet/store';
import { type Fleet, JsonClient, readMetric, startFleet, waitUntil } from '@chatfleet/testing';

describe('matchmaker', () => {
  let fleet: Fleet;
  let port: number;
  before(async () => {
    fleet = await startFleet({
      gateways: 1,
      matchmaker: false,
      historyWriter: false,
      env: { MATCH_WIDEN_MS: '1500', GATEWAY_TIMEOUT_MS: '3000', CLAIM_IDLE_MS: '1000' },
    });
    port = fleet.gateways[0]!.tcpPort;
  });
  after(() => fleet.stop());

  it('loses no waiting ticket when killed and restarted', async () => {
    const mm = await fleet.add('matchmaker');
    const { c: a } = await JsonClient.hello(port, 'patient1');
    a.send({ type: 'match' });
    await a.next('waiting');
    await new Promise((r) => setTimeout(r, 300));
    await mm.stop('SIGKILL');
    const { c: b } = await JsonClient.hello(port, 'patient2');
    b.send({ type: 'match' });
    await b.next('waiting');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(a.frames.items.filter((f) => f.type === 'matched').length, 0);
    const mm2 = await fleet.add('matchmaker');
    const ma = await a.next('matched', () => true, 8000);
    const mb = await b.next('matched', () => true, 8000);
    assert.equal(ma['room'], mb['room']);
    assert.equal(ma['partner'], 'patient2');
    a.close();
    b.close();
    await mm2.stop();
  });

  it('prefers shared tags, then widens to anyone after the wait', async () => {
    const mm = await fleet.add('matchmaker');
    const { c: a } = await JsonClient.hello(port, 'tagmusic1');
    const { c: b } = await JsonClient.hello(port, 'tagsport');
    const { c: c } = await JsonClient.hello(port, 'tagmusic2');
    a.send({ type: 'match', tags: ['music'] });
    await a.next('waiting');
    b.send({ type: 'match', tags: ['sport'] });
    await b.next('waiting');
    c.send({ type: 'match', tags: ['MUSIC', 'film'] });
    const mc = await c.next('matched');
    assert.equal(mc['partner'], 'tagmusic1');
    assert.deepEqual(mc['tags'], ['music']);
    const { c: d } = await JsonClient.hello(port, 'notags');
    const askedAt = Date.now();
    d.send({ type: 'match' });
    const md = await d.next('matched', () => true, 5000);
    assert.equal(md['partner'], 'tagsport');
    assert.deepEqual(md['tags'], []);
    assert.ok(Date.now() - askedAt >= 500, 'sport waited for a shared tag first');
    for (const x of [a, b, c, d]) x.close();
    await mm.stop();
  });

  it('pairs everyone exactly once with two instances running', async () => {
    const mms = await Promise.all([fleet.add('matchmaker'), fleet.add('matchmaker')]);
    const clients = await Promise.all(
      Array.from({ length: 12 }, (_, i) => JsonClient.hello(port, `many${i}`)),
    );
    for (const { c } of clients) c.send({ type: 'match' });
    const matched = await Promise.all(clients.map(({ c }) => c.next('matched', () => true, 8000)));
    const rooms = new Map<string, string[]>();
    for (const [i, m] of matched.entries())
      rooms.set(String(m['room']), [...(rooms.get(String(m['room'])) ?? []), `many${i}`]);
    assert.equal(rooms.size, 6);
    for (const [, who] of rooms) assert.equal(who.length, 2);
    await new Promise((r) => setTimeout(r, 500));
    for (const { c } of clients)
      assert.equal(c.frames.items.filter((f) => f.type === 'matched').length, 1);
    const total =
      (await readMetric(mms[0]!.metricsPort, 'chat_matchmaker_matches_total')) +
      (await readMetric(mms[1]!.metricsPort, 'chat_matchmaker_matches_total'));
    assert.equal(total, 6);
    for (const { c } of clients) c.close();
    await Promise.all(mms.map((m) => m.stop()));
  });

  it('drops the ticket of a connection that closed while waiting', async () => {
    const mm = await fleet.add('matchmaker');
    const { c: gone } = await JsonClient.hello(port, 'quitter');
    gone.send({ type: 'match' });
    await gone.next('waiting');
    gone.close();
    await gone.closed;
    await new Promise((r) => setTimeout(r, 300));
    const { c: b } = await JsonClient.hello(port, 'stayer1');
    b.send({ type: 'match' });
    await b.next('waiting');
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(b.frames.items.filter((f) => f.type === 'matched').length, 0);
    const { c: c2 } = await JsonClient.hello(port, 'stayer2');
    c2.send({ type: 'match' });
    assert.equal((await b.next('matched'))['partner'], 'stayer2');
    b.close();
    c2.close();
    assert.equal(await mm.stop('SIGTERM'), 0);
  });

  it('drops the tickets of a gateway that died', async () => {
    const mm = await fleet.add('matchmaker');
    const doomed = await fleet.add('tcp-gateway');
    const { c: ghost } = await JsonClient.hello(doomed.tcpPort, 'ghost');
    ghost.send({ type: 'match', tags: ['never'] });
    await ghost.next('waiting');
    await doomed.stop('SIGKILL');
    await new Promise((r) => setTimeout(r, 4000));
    const { c: live } = await JsonClient.hello(port, 'alive1');
    const { c: live2 } = await JsonClient.hello(port, 'alive2');
    live.send({ type: 'match' });
    live2.send({ type: 'match' });
    assert.equal((await live.next('matched'))['partner'], 'alive2');
    assert.ok((await readMetric(mm.metricsPort, 'chat_matchmaker_dropped_tickets_total')) >= 1);
    live.close();
    live2.close();
    await mm.stop();
  });
});

describe('matchmaker with a long queue', () => {
  it('pairs two who share a tag behind 1,200 tickets nobody can take', async () => {
    const fleet = await startFleet({
      gateways: 1,
      matchmaker: false,
      historyWriter: false,
      env: { MATCH_WIDEN_MS: '600000' },
    });
    try {
      const port = fleet.gateways[0]!.tcpPort;
      const admin = await fleet.admin();
      const store = await fleet.store();
      const [gw] = await admin.zrange(store.keys.gateways(), 0, '0');
      // Older tickets, each with a tag nobody else has, and far from widening to anyone.
      for (let i = 0; i < 1200; i++)
        await requestMatch(
          store,
          { sid: `${gw}.old${i}`, nick: `old${i}`, gw: gw!, tags: [`only${i}`], ts: 0 },
          1,
        );
      const mm = await fleet.add('matchmaker');
      await waitUntil(
        async () => (await admin.zcard(store.keys.matchQueue())) === 1200,
        10_000,
        'the old tickets queued',
      );
      const { c: a } = await JsonClient.hello(port, 'rare1');
      const { c: b } = await JsonClient.hello(port, 'rare2');
      a.send({ type: 'match', tags: ['rare'] });
      b.send({ type: 'match', tags: ['rare'] });
      const ma = await a.next('matched', () => true, 5000);
      assert.equal(ma['partner'], 'rare2');
      assert.equal(await admin.zcard(store.keys.matchQueue()), 1200);
      for (const x of [a, b]) x.close();
      await mm.stop();
    } finally {
      await fleet.stop();
    }
  });
});

describe('a matchmaker that has just started', () => {
  it('keeps a silent gateway’s tickets until it has watched Redis for a whole GATEWAY_TIMEOUT_MS', async () => {
    const TIMEOUT_MS = 6000;
    const fleet = await startFleet({
      gateways: 0,
      matchmaker: false,
      historyWriter: false,
      env: { GATEWAY_TIMEOUT_MS: String(TIMEOUT_MS) },
    });
    try {
      const admin = await fleet.admin();
      const store = await fleet.store();
      // A gateway last heard of long ago, as every gateway looks right after Redis was away.
      await admin.zadd(store.keys.gateways(), 1, 'gw-silent');
      await requestMatch(
        store,
        { sid: 'gw-silent.1', nick: 'hush', gw: 'gw-silent', tags: [], ts: 0 },
        1,
      );
      const mm = await fleet.add('matchmaker');
      // Many passes (MATCH_TICK_MS) later, but within its first timeout: not judged yet.
      await new Promise((r) => setTimeout(r, TIMEOUT_MS / 3));
      const dropped = () => readMetric(mm.metricsPort, 'chat_matchmaker_dropped_tickets_total');
      assert.equal(await dropped(), 0);
      assert.equal(await admin.zcard(store.keys.matchQueue()), 1);
      // Once it has watched for a whole timeout, a gateway still silent is gone.
      await waitUntil(async () => (await dropped()) === 1, TIMEOUT_MS * 2, 'the ticket dropped');
      await mm.stop();
    } finally {
      await fleet.stop();
    }
  });
});
