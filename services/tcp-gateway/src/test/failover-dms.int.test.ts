import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Cluster, Redis } from 'ioredis';
import { conv, createKeys, type Keys, slotOf } from '@chatfleet/store';
import {
  clusterClient,
  type Fleet,
  type Frame,
  JsonClient,
  type ReplicatedRedis,
  startRedisCluster,
  type TestCluster,
  startFleet,
  startReplicatedRedis,
  visitAndLeave,
  waitUntil,
} from '@chatfleet/testing';

const dm = (c: JsonClient, to: string, text: string) => c.request({ type: 'dm', to, text }, 10_000);
const toldOf = (frames: Frame[], peer: string) =>
  frames.filter((f) => f.type === 'resync' && f['with'] === peer);
const dmTexts = (frames: Frame[]) =>
  frames.filter((f) => f.type === 'dm').map((f) => String(f['text']));

/** What a test does to Redis: stop the replica following, then fail over to it. */
interface Fault {
  freeze(conv: string): Promise<void>;
  failover(): Promise<void>;
}

/**
 * Two people DMing across two gateways (and, with `carol`, a third away with DMs in her
 * mailbox); the replica stops following, DMs are acknowledged, the primary dies, and the
 * replica's data takes over.
 */
async function scene(
  fleet: Fleet,
  redis: { admin: Redis; keys: Keys } | { admin: Cluster; keys: Keys; carol: false },
  fault: Fault,
  tag: string,
) {
  const [g1, g2] = fleet.gateways;
  const { admin, keys } = redis;
  const carol = !('carol' in redis);
  const carolNick = `${tag}-carol`;
  const away =
    'carol' in redis ? undefined : await visitAndLeave(g2!.tcpPort, carolNick, redis.admin, keys);
  const { c: alice } = await JsonClient.hello(g1!.tcpPort, `${tag}-alice`);
  const { c: bob } = await JsonClient.hello(g2!.tcpPort, `${tag}-bob`);
  await dm(alice, `${tag}-bob`, 'kept to bob');
  await bob.next('dm', (f) => f['text'] === 'kept to bob', 5000);
  await dm(bob, `${tag}-alice`, 'kept to alice');
  await alice.next('dm', (f) => f['text'] === 'kept to alice', 5000);
  if (carol) await dm(alice, carolNick, 'kept to carol');
  const ident = async (nick: string) =>
    String(await admin.hget(keys.nick(`${tag}-${nick}`), 'ident'));
  await fault.freeze(conv.dm(await ident('alice'), await ident('bob')));
  await dm(alice, `${tag}-bob`, 'lost to bob');
  await bob.next('dm', (f) => f['text'] === 'lost to bob', 5000);
  if (carol) await dm(alice, carolNick, 'lost to carol');
  await fault.failover();
  return { alice, bob, carol: away, carolNick };
}

// The fleet's default on a cluster (startFleet leaves PARTITIONS as the services have it).
const PARTITIONS = 128;

const single = async (fleet: Fleet) => ({
  admin: await fleet.admin(),
  keys: (await fleet.store()).keys,
});

/** The prod shape: one primary with one replica, the replica's data served where it was. */
function replicaFault(rr: ReplicatedRedis, fleet: Fleet): Fault {
  return {
    async freeze() {
      // What the replica has when it is frozen is what survives.
      await (await fleet.admin()).wait(1, 2000);
      await rr.freezeReplica();
    },
    failover: () => rr.failover(),
  };
}

describe('a failover that loses acknowledged DMs', () => {
  let rr: ReplicatedRedis;
  let fleet: Fleet;
  before(async () => {
    rr = await startReplicatedRedis();
    // The position check is off here: only the next DM can reveal the loss.
    fleet = await startFleet({
      redis: rr.primary,
      gateways: 2,
      matchmaker: false,
      env: { POSITION_CHECK_MS: '600000' },
    });
  });
  after(async () => {
    await fleet.stop();
    await rr.destroy();
  });

  it('tells both sides before the next DM between them, in a new epoch', async () => {
    const { alice, bob } = await scene(fleet, await single(fleet), replicaFault(rr, fleet), 'fd1');
    let reply: Frame | undefined;
    await waitUntil(
      async () => (reply = await dm(bob, 'fd1-alice', 'after the failover')).type === 'dm',
      20_000,
      'a DM accepted after the failover',
    );
    // Bob saw 'lost to bob': his DM found the conversation behind it.
    const bobTold = toldOf(bob.frames.items, 'fd1-alice');
    assert.equal(bobTold.length, 1, 'bob was not told once');
    assert.ok(
      bob.frames.items.indexOf(bobTold[0]!) < bob.frames.items.indexOf(reply!),
      'bob was told after his DM was answered',
    );
    const got = await alice.next('dm', (f) => f['text'] === 'after the failover', 10_000);
    const aliceTold = toldOf(alice.frames.items, 'fd1-bob');
    assert.equal(aliceTold.length, 1, 'alice was not told once');
    assert.ok(alice.frames.items.indexOf(aliceTold[0]!) < alice.frames.items.indexOf(got));
    assert.notEqual(aliceTold[0]!['epoch'], '');
    assert.equal(aliceTold[0]!['epoch'], bobTold[0]!['epoch']);
    assert.equal(aliceTold[0]!['recovered'], false);
    alice.close();
    bob.close();
  });
});

describe('a failover that loses acknowledged DMs nobody answers', () => {
  let rr: ReplicatedRedis;
  let fleet: Fleet;
  before(async () => {
    rr = await startReplicatedRedis();
    fleet = await startFleet({
      redis: rr.primary,
      gateways: 2,
      matchmaker: false,
      env: { POSITION_CHECK_MS: '1000' },
    });
  });
  after(async () => {
    await fleet.stop();
    await rr.destroy();
  });

  it('tells the connected sides by the position check, and the one away at her next welcome', async () => {
    const { alice, bob, carol, carolNick } = await scene(
      fleet,
      await single(fleet),
      replicaFault(rr, fleet),
      'fd2',
    );
    await alice.next('resync', (f) => f['with'] === 'fd2-bob', 20_000);
    await alice.next('resync', (f) => f['with'] === carolNick, 20_000);
    await bob.next('resync', (f) => f['with'] === 'fd2-alice', 20_000);
    const { c: back } = await JsonClient.hello(fleet.gateways[1]!.tcpPort, carolNick, carol!.token);
    const told = await back.next('resync', (f) => f['with'] === 'fd2-alice', 10_000);
    assert.equal(told['recovered'], false);
    assert.deepEqual(dmTexts(back.frames.items), ['kept to carol']);
    // Once each, whoever found it.
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(toldOf(alice.frames.items, 'fd2-bob').length, 1);
    assert.equal(toldOf(bob.frames.items, 'fd2-alice').length, 1);
    assert.equal(toldOf(back.frames.items, 'fd2-alice').length, 1);
    // The conversation goes on in the new epoch.
    await dm(alice, 'fd2-bob', 'still here');
    await bob.next('dm', (f) => f['text'] === 'still here', 5000);
    assert.equal(toldOf(bob.frames.items, 'fd2-alice').length, 1);
    for (const c of [alice, bob, back]) c.close();
  });
});

describe('a shard failover on Redis Cluster that loses acknowledged DMs', () => {
  let cluster: TestCluster;
  let fleet: Fleet;
  let admin: Cluster;
  before(async () => {
    cluster = await startRedisCluster();
    fleet = await startFleet({
      cluster,
      gateways: 2,
      matchmaker: false,
      env: { POSITION_CHECK_MS: '1000' },
    });
    admin = await clusterClient(cluster.url);
  });
  after(async () => {
    // Disconnected whatever the test did: a cluster client left open keeps the run alive.
    admin.disconnect();
    await fleet.stop();
    await cluster.destroy();
  });

  it('tells both sides, and the conversation goes on in a new epoch', async () => {
    const keys = createKeys(fleet.prefix, PARTITIONS, true);
    let port = 0;
    const { alice, bob } = await scene(
      fleet,
      { admin, keys, carol: false },
      {
        async freeze(c) {
          const primary = await cluster.ownerOf(slotOf(keys.pos(c)));
          port = primary.port;
          const replica = (await cluster.nodes()).find((n) => n.of === primary.id && !n.failed);
          if (!replica) throw new Error(`no replica of port ${port}`);
          // The replica stops following (frozen, its link cut); the primary goes on.
          cluster.server(replica.port).freeze();
          await (await cluster.admin(port)).call('CLIENT', 'KILL', 'TYPE', 'replica');
          this.failover = async () => {
            await cluster.server(port).stop(true);
            cluster.server(replica.port).thaw();
            await cluster.waitHealthy(30_000);
          };
        },
        failover: () => Promise.reject(new Error('frozen first')),
      },
      'fd3',
    );
    await alice.next('resync', (f) => f['with'] === 'fd3-bob', 30_000);
    await bob.next('resync', (f) => f['with'] === 'fd3-alice', 30_000);
    await waitUntil(
      async () => (await dm(alice, 'fd3-bob', 'after the failover')).type === 'dm',
      20_000,
      'a DM accepted after the failover',
    );
    await bob.next('dm', (f) => f['text'] === 'after the failover', 10_000);
    assert.equal(toldOf(alice.frames.items, 'fd3-bob').length, 1);
    assert.equal(toldOf(bob.frames.items, 'fd3-alice').length, 1);
    alice.close();
    bob.close();
  });
});
