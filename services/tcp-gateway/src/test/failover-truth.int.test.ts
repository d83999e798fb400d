import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, createRedisMetrics, createRegistry } from '@chatfleet/runtime';
import { conv, DEFAULT_STORE_LIMITS, redisGatewayBackend } from '@chatfleet/store';
import {
  dropFromWindow,
  type Fleet,
  JsonClient,
  type ReplicatedRedis,
  sendSequence,
  seqsShownTwice,
  startFleet,
  startReplicatedRedis,
  toldOfLoss,
  waitForAll,
  WsClient,
} from '@chatfleet/testing';

// Redis replicates asynchronously: a failover to a replica that lagged loses messages Redis had
// acknowledged. Whoever saw them must be told, and no seq may name two messages in one epoch.
describe('a failover to a replica that lagged behind acknowledged messages', () => {
  let rr: ReplicatedRedis;
  let fleet: Fleet;
  before(async () => {
    rr = await startReplicatedRedis();
    fleet = await startFleet({
      redis: rr.primary,
      gateways: 2,
      wsGateways: 1,
      matchmaker: false,
      env: { RATE_PER_SEC: '1000', RATE_BURST: '1000' },
    });
  });
  after(async () => {
    await fleet.stop();
    await rr.destroy();
  });

  it('tells listeners and a rejoining client, and never gives one seq to two messages', async () => {
    const [g1, g2] = fleet.gateways;
    const room = 'failover';
    const { c: sender } = await JsonClient.hello(g1!.tcpPort, 'ft-sender');
    const { c: near } = await JsonClient.hello(g1!.tcpPort, 'ft-near');
    const { c: far } = await JsonClient.hello(g2!.tcpPort, 'ft-far');
    const { c: away } = await JsonClient.hello(g2!.tcpPort, 'ft-away');
    const { c: web } = await WsClient.hello(fleet.wsGateways[0]!.wsPort, 'ft-web');
    for (const c of [sender, near, far, away, web]) await c.request({ type: 'join', room });
    const kept = await sendSequence(sender, room, { count: 10, perSec: 50, tag: 'kept' });
    await rr.freezeReplica();
    // Acknowledged by the primary for 1.5 s after the replica stopped following it.
    const lost = await sendSequence(sender, room, { count: 20, perSec: 13, tag: 'lost' });
    assert.equal(lost.length, 20);
    const seen = await waitForAll(away.frames, room, [...kept, ...lost], 10_000);
    assert.deepEqual(seen.missing, []);
    const awayEpoch = away.frames.items.find((f) => f.type === 'joined')?.['epoch'];
    const awayLast = lost.at(-1)!.id;
    away.close();

    await rr.failover();
    const later = await sendSequence(sender, room, {
      count: 10,
      perSec: 20,
      tag: 'later',
      deadlineMs: 30_000,
    });
    assert.equal(later.length, 10);
    for (const [name, l] of [
      ['near', near],
      ['far', far],
      ['web', web],
      ['sender', sender],
    ] as const) {
      const r = await waitForAll(l.frames, room, later, 15_000);
      assert.deepEqual(r.missing, [], `${name} missed messages sent after the failover`);
      assert.deepEqual(r.duplicates, [], `${name} got duplicates`);
      assert.ok(r.inOrder, `${name} got them out of order`);
      assert.ok(toldOfLoss(l.frames.items, room), `${name} was not told that Redis lost messages`);
      assert.deepEqual(
        seqsShownTwice(l.frames.items, room),
        [],
        `${name}: a seq named two messages`,
      );
    }

    // Back with the last message it saw, which Redis no longer has.
    const { c: back } = await JsonClient.hello(g2!.tcpPort, 'ft-back');
    const joined = await back.request({ type: 'join', room, since: awayLast, epoch: awayEpoch });
    assert.equal(joined.type, 'joined');
    assert.equal(joined['recovered'], false, 'a rejoin across the loss said recovered: true');
    for (const c of [sender, near, far, web, back]) c.close();
  });

  it('does not drop a live message whose seq was given before, and says what happened', async () => {
    const [g1] = fleet.gateways;
    const room = 'regress';
    const { c: listener } = await JsonClient.hello(g1!.tcpPort, 'rg-listener');
    const { c: sender } = await JsonClient.hello(g1!.tcpPort, 'rg-sender');
    for (const c of [listener, sender]) await c.request({ type: 'join', room });
    const first = await sendSequence(sender, room, { count: 3, perSec: 50, tag: 'first' });
    await waitForAll(listener.frames, room, first, 5000);
    // Redis loses the last message while the gateway's subscription stays up (as a restore
    // from an older copy would), and a gateway that saw nothing of it sends the next one.
    const admin = await fleet.admin();
    const c = conv.room(room);
    const backend = redisGatewayBackend({
      url: rr.primary.url,
      service: 'regress-test',
      prefix: fleet.prefix,
      partitions: 16,
      limits: DEFAULT_STORE_LIMITS,
      clockSkewMs: 0,
      log: createLogger('regress-test', 'silent'),
      metrics: createRedisMetrics(createRegistry('regress-test', 'test'), ['commands']),
    });
    await backend.connect();
    const pos = backend.store.keys.pos(c);
    const last = first.at(-1)!;
    const before = await admin.hgetall(pos);
    await dropFromWindow(admin, backend.store.keys.window(c), last.id);
    await admin.hset(pos, {
      ...before,
      id: String(first[1]!.id),
      seq: String(Number(before['seq']) - 1),
    });
    const m = await backend.broker.publish({
      conv: c,
      room,
      from: 'rg-other',
      text: 'after the loss',
      publish: true,
      sid: 'regress-test.1',
    });
    await backend.close();
    const got = await listener.frames.next(
      'message',
      (f) => f['room'] === room && f['id'] === m.id,
      10_000,
    );
    assert.equal(got['text'], 'after the loss');
    assert.ok(toldOfLoss(listener.frames.items, room), 'the listener was not told of the loss');
    assert.deepEqual(seqsShownTwice(listener.frames.items, room), []);
    listener.close();
    sender.close();
  });
});
