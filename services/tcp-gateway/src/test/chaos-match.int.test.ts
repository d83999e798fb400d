import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import { createKeys } from '@chatfleet/store';
import { type Fleet, JsonClient, readMetric, startFleet, waitUntil } from '@chatfleet/testing';

const ENV = { MAX_CONNECTIONS_PER_IP: '1000', RATE_PER_SEC: '1000', RATE_BURST: '1000' };

describe('chaos: 200 stranger pairs across two gateways, first words at once', () => {
  let fleet: Fleet;
  before(async () => {
    fleet = await startFleet({ gateways: 2, env: ENV });
  });
  after(() => fleet.stop());

  it('delivers every first message, sent the instant matched arrives', async () => {
    const [g1, g2] = fleet.gateways;
    const pairs = 200;
    const connect = (port: number, nick: string) => JsonClient.hello(port, nick).then((r) => r.c);
    const as = await Promise.all(
      Array.from({ length: pairs }, (_, i) => connect(g1!.tcpPort, `fa${i}`)),
    );
    const bs = await Promise.all(
      Array.from({ length: pairs }, (_, i) => connect(g2!.tcpPort, `fb${i}`)),
    );
    const all = [...as, ...bs];
    // Each side says hello the moment it hears of the match.
    const spoken = all.map((c, i) =>
      c
        .next('matched', () => true, 30_000)
        .then((m) => {
          c.send({ type: 'say', room: m['room'], text: `first words of ${i}` });
          return m;
        }),
    );
    for (let i = 0; i < pairs; i++) {
      as[i]!.send({ type: 'match', tags: [`p${i}`] });
      bs[i]!.send({ type: 'match', tags: [`p${i}`] });
    }
    await Promise.all(spoken);
    const heard = await Promise.allSettled(
      all.map((c, i) =>
        c.next('message', (f) => f['from'] !== (i < pairs ? `fa${i}` : `fb${i - pairs}`), 10_000),
      ),
    );
    const deaf = all.filter((c, i) => {
      const got = heard[i];
      return got?.status !== 'fulfilled' || !String(got.value['text']).startsWith('first words');
    });
    assert.equal(deaf.length, 0, `${deaf.length} of ${all.length} never heard their partner`);
    for (const c of all) c.close();
  });
});

describe('chaos: a gateway killed at each step of a match', () => {
  let fleet: Fleet;
  let admin: Redis;
  beforeEach(async () => {
    fleet = await startFleet({ gateways: 2, env: { ...ENV, MATCH_WIDEN_MS: '1500' } });
    admin = await fleet.admin();
  });
  afterEach(() => fleet.stop());

  const queueEmpty = () =>
    waitUntil(
      async () => (await admin.zcard(createKeys(fleet.prefix, 16).matchQueue())) === 0,
      10_000,
      'the pair to be committed',
    );

  it("re-queues A when B's gateway dies before taking the match in", async () => {
    const [g1, g2] = fleet.gateways;
    const { c: b } = await JsonClient.hello(g2!.tcpPort, 'kb1');
    await b.request({ type: 'match', tags: ['k1'] });
    g2!.proc.kill('SIGSTOP');
    const { c: a } = await JsonClient.hello(g1!.tcpPort, 'ka1');
    a.send({ type: 'match', tags: ['k1'] });
    await a.next('matched', () => true, 10_000);
    const killed = Date.now();
    await g2!.stop('SIGKILL');
    await a.next('partner_left', () => true, 15_000);
    await a.next('waiting', () => true, 5000);
    assert.ok(Date.now() - killed < 15_000, 'told within 15 s');
    const mm = fleet.services.find((x) => x.name === 'matchmaker')!;
    await waitUntil(
      async () =>
        (await readMetric(mm.metricsPort, 'chat_matchmaker_requests_total', { op: 'requeue' })) ===
        1,
      5000,
      'the fleet queued A again, counted as a requeue',
    );
    const { c } = await JsonClient.hello(g1!.tcpPort, 'kc1');
    c.send({ type: 'match', tags: ['k1'] });
    assert.equal((await a.next('matched', () => true, 10_000))['partner'], 'kc1');
    for (const x of [a, c]) x.close();
  });

  it("re-queues A when B's gateway dies before either side took the match in", async () => {
    const [g1, g2] = fleet.gateways;
    const { c: a } = await JsonClient.hello(g1!.tcpPort, 'ka2');
    const { c: b } = await JsonClient.hello(g2!.tcpPort, 'kb2');
    // Different tags: they are paired only once both are open to anyone (MATCH_WIDEN_MS).
    await a.request({ type: 'match', tags: ['k2a'] });
    await b.request({ type: 'match', tags: ['k2b'] });
    g1!.proc.kill('SIGSTOP');
    g2!.proc.kill('SIGSTOP');
    await queueEmpty();
    await g2!.stop('SIGKILL');
    g1!.proc.kill('SIGCONT');
    // Whatever A saw, it ends up in the queue again: a newcomer gets matched to it.
    await new Promise((r) => setTimeout(r, 12_000));
    const { c } = await JsonClient.hello(g1!.tcpPort, 'kc2');
    c.send({ type: 'match', tags: ['k2a'] });
    assert.equal((await c.next('matched', () => true, 10_000))['partner'], 'ka2');
    for (const x of [a, c]) x.close();
  });

  it("tells A its partner left within 15 s when B's gateway dies after both got matched", async () => {
    const [g1, g2] = fleet.gateways;
    const { c: a } = await JsonClient.hello(g1!.tcpPort, 'ka3');
    const { c: b } = await JsonClient.hello(g2!.tcpPort, 'kb3');
    a.send({ type: 'match', tags: ['k3'] });
    b.send({ type: 'match', tags: ['k3'] });
    const m = await a.next('matched', () => true, 10_000);
    await b.next('matched', () => true, 10_000);
    const killed = Date.now();
    await g2!.stop('SIGKILL');
    assert.equal((await a.next('partner_left', () => true, 15_000))['room'], m['room']);
    assert.ok(Date.now() - killed < 15_000);
    a.close();
  });

  it("tells B its partner left when A's gateway dies while B's gateway was frozen", async () => {
    const [g1, g2] = fleet.gateways;
    const { c: a } = await JsonClient.hello(g1!.tcpPort, 'ka4');
    const { c: b } = await JsonClient.hello(g2!.tcpPort, 'kb4');
    await b.request({ type: 'match', tags: ['k4'] });
    g2!.proc.kill('SIGSTOP');
    a.send({ type: 'match', tags: ['k4'] });
    await a.next('matched', () => true, 10_000);
    await g1!.stop('SIGKILL');
    g2!.proc.kill('SIGCONT');
    const resumed = Date.now();
    await b.next('partner_left', () => true, 15_000);
    assert.ok(Date.now() - resumed < 15_000);
    b.close();
  });
});
