import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  type Fleet,
  type Frame,
  JsonClient,
  type ReplicatedRedis,
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

/**
 * Two people DMing across two gateways, and a third away with DMs in her mailbox; the replica
 * stops following, DMs are acknowledged, the primary dies, the replica's data takes over.
 */
async function scene(fleet: Fleet, rr: ReplicatedRedis, tag: string) {
  const [g1, g2] = fleet.gateways;
  const admin = await fleet.admin();
  const store = await fleet.store();
  const carolNick = `${tag}-carol`;
  const carol = await visitAndLeave(g2!.tcpPort, carolNick, admin, store.keys);
  const { c: alice } = await JsonClient.hello(g1!.tcpPort, `${tag}-alice`);
  const { c: bob } = await JsonClient.hello(g2!.tcpPort, `${tag}-bob`);
  await dm(alice, `${tag}-bob`, 'kept to bob');
  await bob.next('dm', (f) => f['text'] === 'kept to bob', 5000);
  await dm(bob, `${tag}-alice`, 'kept to alice');
  await alice.next('dm', (f) => f['text'] === 'kept to alice', 5000);
  await dm(alice, carolNick, 'kept to carol');
  // What the replica has when it is frozen is what survives.
  await admin.wait(1, 2000);
  await rr.freezeReplica();
  await dm(alice, `${tag}-bob`, 'lost to bob');
  await bob.next('dm', (f) => f['text'] === 'lost to bob', 5000);
  await dm(alice, carolNick, 'lost to carol');
  await rr.failover();
  return { alice, bob, carol, carolNick };
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
    const { alice, bob } = await scene(fleet, rr, 'fd1');
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
    const { alice, bob, carol, carolNick } = await scene(fleet, rr, 'fd2');
    await alice.next('resync', (f) => f['with'] === 'fd2-bob', 20_000);
    await alice.next('resync', (f) => f['with'] === carolNick, 20_000);
    await bob.next('resync', (f) => f['with'] === 'fd2-alice', 20_000);
    const { c: back } = await JsonClient.hello(fleet.gateways[1]!.tcpPort, carolNick, carol.token);
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
