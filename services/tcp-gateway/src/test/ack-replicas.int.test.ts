import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  type Fleet,
  type Frame,
  JsonClient,
  type ReplicatedRedis,
  redisClient,
  sendSequence,
  startFleet,
  startReplicatedRedis,
  toldOfLoss,
  waitUntil,
} from '@chatfleet/testing';

// ACK_REPLICAS=1: a message is acknowledged only once a replica has it, so a failover to that
// replica loses nothing acknowledged; what no replica confirmed in time is answered `unconfirmed`.
describe('ACK_REPLICAS=1 on a primary with one replica', () => {
  let rr: ReplicatedRedis;
  let fleet: Fleet;
  before(async () => {
    rr = await startReplicatedRedis();
    fleet = await startFleet({
      redis: rr.primary,
      gateways: 1,
      matchmaker: false,
      env: {
        ACK_REPLICAS: '1',
        ACK_REPLICAS_TIMEOUT_MS: '300',
        RATE_PER_SEC: '1000',
        RATE_BURST: '1000',
      },
    });
  });
  after(async () => {
    await fleet.stop();
    await rr.destroy();
  });

  it('acknowledges what a replica has, says unconfirmed when none does, and a failover loses nothing acknowledged', async () => {
    const port = fleet.gateways[0]!.tcpPort;
    const room = 'durable';
    const { c: sender } = await JsonClient.hello(port, 'ar-sender');
    const { c: listener } = await JsonClient.hello(port, 'ar-listener');
    for (const c of [sender, listener]) await c.request({ type: 'join', room });
    const kept = await sendSequence(sender, room, { count: 10, perSec: 50, tag: 'kept' });
    assert.equal(kept.length, 10);
    const dm = await sender.request({ type: 'dm', to: 'ar-listener', text: 'kept dm' });
    assert.equal(dm.type, 'dm', 'a confirmed DM is acknowledged');

    // The replica stops following: the primary still stores and delivers, but cannot say a
    // replica has it.
    await rr.freezeReplica();
    const refused: string[] = [];
    const acked = await sendSequence(sender, room, {
      count: 1,
      perSec: 10,
      tag: 'unconfirmed',
      refused,
      deadlineMs: 1500,
    });
    assert.deepEqual(acked, [], 'a send no replica has was acknowledged');
    assert.ok(refused.length >= 2, `refusals: ${refused.join(', ')}`);
    assert.deepEqual([...new Set(refused)], ['unconfirmed']);
    // Sent all the same: the listener has it, and the sender its copy without the ref.
    await listener.frames.next('message', (f) => f['text'] === 'unconfirmed 0', 5000);
    const own = sender.frames.items.find(
      (f) => f.type === 'message' && f['text'] === 'unconfirmed 0',
    );
    assert.ok(own && own['ref'] === undefined, 'the sender got its copy, not as an ack');
    const dmRefused = await sender.request({ type: 'dm', to: 'ar-listener', text: 'lost dm' });
    assert.equal(dmRefused['code'], 'unconfirmed');
    await listener.frames.next('dm', (f) => f['text'] === 'lost dm', 5000);

    // The replica (without what it did not confirm) takes over, and follows again.
    await rr.failover();
    const again = await redisClient(rr.replica.url);
    await again.replicaof('127.0.0.1', String(rr.primary.port));
    await waitUntil(
      async () => /master_link_status:up/.test(await again.info('replication')),
      10_000,
      'the replica following the new primary',
    );
    again.disconnect();
    const later = await sendSequence(sender, room, {
      count: 5,
      perSec: 20,
      tag: 'later',
      deadlineMs: 30_000,
    });
    assert.equal(later.length, 5);
    await listener.frames.next('message', (f) => f['text'] === 'later 4', 10_000);
    assert.ok(toldOfLoss(listener.frames.items, room), 'the listener saw messages Redis lost');

    const history = await sender.request({ type: 'history', room });
    const stored = (history['messages'] as Frame[]).map((m) => String(m['text']));
    for (const k of kept) assert.ok(stored.includes(k.text), `acknowledged ${k.text} was lost`);
    assert.ok(!stored.includes('unconfirmed 0'), 'the unconfirmed message should be the one lost');
    const dms = await listener.request({ type: 'history', with: 'ar-sender' });
    const dmTexts = (dms['messages'] as Frame[]).map((m) => String(m['text']));
    assert.ok(dmTexts.includes('kept dm'), 'the acknowledged DM was lost');
    for (const c of [sender, listener]) c.close();
  });
});
