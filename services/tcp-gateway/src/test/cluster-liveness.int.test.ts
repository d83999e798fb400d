import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createKeys, slotOf } from '@chatfleet/store';
import {
  type Fleet,
  startFleet,
  startRedisCluster,
  type TestCluster,
  waitUntil,
} from '@chatfleet/testing';
import { outageScene } from './outage-scene.js';

const TIMEOUT_MS = 2000;

// The gateways list lives in one slot. While its shard fails over nobody can beat, and the
// client stays connected to the cluster, so nothing makes a gateway beat the moment it is
// back: a reaper that looked first would find every other gateway silent for too long.
describe('a failover of the shard that holds the gateways list', () => {
  let cluster: TestCluster;
  let fleet: Fleet;
  before(async () => {
    cluster = await startRedisCluster();
    fleet = await startFleet({
      cluster,
      gateways: 2,
      env: { GATEWAY_TIMEOUT_MS: String(TIMEOUT_MS), HEARTBEAT_MS: '500', LEASE_MS: '6000' },
    });
  });
  after(async () => {
    await fleet.stop();
    await cluster.destroy();
  });

  it('declares no gateway dead: users stay, and a waiting stranger is still matched', async () => {
    const scene = await outageScene(fleet, 'live');
    const { a, b } = scene;

    const keys = createKeys(fleet.prefix, 128, true);
    const primary = await cluster.ownerOf(slotOf(keys.gateways()));
    await cluster.server(primary.port).stop(true);
    try {
      await cluster.waitHealthy(30_000);
      // The reapers look four times a heartbeat: give them two timeouts to get it wrong.
      await sleep(TIMEOUT_MS * 2);
      await scene.expectNobodyGone();
      await waitUntil(
        async () =>
          (await a.request({ type: 'say', room: 'stay', text: 'still here' }))['type'] !== 'error',
        15_000,
        'say to work',
      );
      await b.next('message', (m) => m['text'] === 'still here', 5000);
      await scene.expectStillMatched();
    } finally {
      if (!cluster.server(primary.port).running()) await cluster.restart(primary.port);
    }
  });
});
