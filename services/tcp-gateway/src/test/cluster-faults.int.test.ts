import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Cluster } from 'ioredis';
import { conv, createKeys, type Keys, slotOf } from '@chatfleet/store';
import {
  type Acked,
  checkDelivery,
  clusterClient,
  type Fleet,
  JsonClient,
  logTimeline,
  sendSequence,
  seqsShownTwice,
  startFleet,
  startRedisCluster,
  type TestCluster,
  toldOfLoss,
  waitForAll,
  waitUntil,
  windowIds,
  WsClient,
} from '@chatfleet/testing';

const PARTITIONS = 128;

/** Subscriber connections of the fleet's gateways over every live node, subscribed or idle. */
async function subscriberCount(cluster: TestCluster): Promise<number> {
  let n = 0;
  for (const node of (await cluster.nodes()).filter((x) => !x.failed)) {
    const list = String(await (await cluster.admin(node.port)).call('CLIENT', 'LIST'));
    n += list.split('\n').filter((l) => /name=\S+-sub/.test(l)).length;
  }
  return n;
}

type Fault = 'kill -9 of a primary' | 'CLUSTER FAILOVER' | 'a slot migrated' | 'lost writes';

// The fault matrix on a real 3-primary cluster: traffic in one room per shard, listeners
// on two TCP gateways and a WebSocket gateway, one fault at a time on the first room's shard.
describe('the fleet on Redis Cluster keeps its promises through shard faults', () => {
  let cluster: TestCluster;
  let fleet: Fleet;
  let admin: Cluster;
  let keys: Keys;
  before(async () => {
    cluster = await startRedisCluster();
    fleet = await startFleet({
      cluster,
      gateways: 2,
      wsGateways: 1,
      matchmaker: false,
      env: {
        RATE_PER_SEC: '1000',
        RATE_BURST: '1000',
        POSITION_CHECK_MS: '2000',
        CLAIM_IDLE_MS: '2000',
      },
    });
    admin = await clusterClient(cluster.url);
    keys = createKeys(fleet.prefix, PARTITIONS, true);
  });
  after(async () => {
    admin.disconnect();
    await fleet.stop();
    await cluster.destroy();
  });

  /** One room per live primary, named after the case, and the port of its primary. */
  async function roomsPerShard(tag: string): Promise<{ room: string; port: number }[]> {
    const out = await cluster.onePerPrimary(
      (i) => `${tag}${i}`,
      (room) => keys.live(conv.room(room)),
    );
    return [...out].map(([port, room]) => ({ room, port }));
  }

  async function applyFault(fault: Fault, room: string, port: number): Promise<void> {
    const slot = slotOf(keys.live(conv.room(room)));
    const primary = await cluster.ownerOf(slot);
    const replica = (await cluster.nodes()).find((n) => n.of === primary.id && !n.failed);
    if (!replica) throw new Error(`no replica of port ${port}`);
    if (fault === 'CLUSTER FAILOVER') return cluster.failover(replica.port);
    if (fault === 'a slot migrated') {
      const other = (await cluster.nodes()).find((n) => n.primary && !n.failed && n.port !== port);
      return cluster.migrateSlot(slot, other!.port);
    }
    if (fault === 'lost writes') {
      // The replica stops following (frozen, its link cut, so nothing waits in a socket for
      // it); the primary acknowledges 1.5 s more, then dies.
      cluster.server(replica.port).freeze();
      await (await cluster.admin(port)).call('CLIENT', 'KILL', 'TYPE', 'replica');
      await sleep(1500);
      await cluster.server(port).stop(true);
      cluster.server(replica.port).thaw();
    } else {
      await cluster.server(port).stop(true);
    }
    await cluster.waitHealthy(30_000);
  }

  for (const fault of [
    'CLUSTER FAILOVER',
    'a slot migrated',
    'kill -9 of a primary',
    'lost writes',
  ] as Fault[]) {
    it(`after ${fault}: every acknowledged message reaches every member once and in order, or they are told`, async () => {
      const tag = fault
        .toLowerCase()
        .replace(/[^a-z]/g, '')
        .slice(0, 6);
      const rooms = await roomsPerShard(tag);
      assert.equal(rooms.length, 3);
      const [g1, g2] = fleet.gateways;
      const listeners: { name: string; c: JsonClient | WsClient }[] = [];
      const senders: JsonClient[] = [];
      for (const [i, { room }] of rooms.entries()) {
        const { c: sender } = await JsonClient.hello(g1!.tcpPort, `${tag}s${i}`);
        const { c: far } = await JsonClient.hello(g2!.tcpPort, `${tag}f${i}`);
        const { c: web } = await WsClient.hello(fleet.wsGateways[0]!.wsPort, `${tag}w${i}`);
        for (const c of [sender, far, web]) await c.request({ type: 'join', room });
        senders.push(sender);
        listeners.push({ name: `far ${room}`, c: far }, { name: `web ${room}`, c: web });
      }
      const subsBefore = await subscriberCount(cluster);
      const refused = rooms.map((): string[] => []);
      const trafficFrom = Date.now();
      const traffic = rooms.map(({ room }, i) =>
        sendSequence(senders[i]!, room, {
          count: 120,
          perSec: 10,
          tag: 'm',
          deadlineMs: 60_000,
          refused: refused[i]!,
        }),
      );
      await sleep(1500);
      const { room: hit, port } = rooms[0]!;
      await applyFault(fault, hit, port);
      try {
        await check();
      } catch (err) {
        // What the services said from the traffic's start on, read first when it fails in CI.
        const said = logTimeline(fleet.services, trafficFrom);
        throw new Error(`the fleet said:\n${said}\n${(err as Error).message}`, { cause: err });
      } finally {
        // Back as a replica of the new primary, so the next case finds a replica on every shard.
        if (!cluster.server(port).running()) await cluster.restart(port);
      }
      for (const c of [...senders, ...listeners.map((l) => l.c)]) c.close();

      async function check() {
        // The shard serves again: its listeners hear a message stamped after this. (How soon is a
        // speed target, measured by a benchmark, not here: 15 s only says that it comes.)
        const since = Date.now() * 1000;
        const hitListeners = listeners.filter((l) => l.name.endsWith(` ${hit}`));
        await waitUntil(
          () =>
            hitListeners.every((l) =>
              l.c.frames.items.some(
                (f) => f.type === 'message' && f['room'] === hit && Number(f['id']) >= since,
              ),
            ),
          15_000,
          `live delivery in ${hit} after the promotion`,
        );
        const acked: Acked[][] = await Promise.all(traffic);
        acked.forEach((a, i) =>
          assert.equal(a.length, 120, `${rooms[i]!.room}: sends ran out of time`),
        );

        // Refusals say `unavailable` (never `internal`), and only on the shard that moved.
        assert.deepEqual(
          refused.flat().filter((code) => code !== 'unavailable'),
          [],
        );
        assert.deepEqual(refused.slice(1).flat(), [], 'another shard refused sends');

        for (const [i, { room }] of rooms.entries()) {
          for (const l of [...listeners, { name: `sender ${room}`, c: senders[i]! }]) {
            if (!l.name.endsWith(` ${room}`)) continue;
            const r = await waitForAll(l.c.frames, room, acked[i]!, 15_000);
            const wasTold = toldOfLoss(l.c.frames.items, room);
            if (fault !== 'lost writes' || !wasTold)
              assert.deepEqual(r.missing, [], `${l.name} missed acknowledged messages untold`);
            assert.deepEqual(r.duplicates, [], `${l.name} got duplicates`);
            assert.ok(r.inOrder, `${l.name} got messages out of order`);
            assert.deepEqual(seqsShownTwice(l.c.frames.items, room), [], `${l.name}: a seq twice`);
            if (i > 0) assert.ok(!wasTold, `${l.name} was told of a loss on a shard that was fine`);
          }
        }
        if (fault === 'lost writes') {
          // Messages Redis acknowledged and then lost: whoever had seen them hears of it.
          const stored = new Set(await windowIds(admin, keys.window(conv.room(hit))));
          const gone = acked[0]!.filter((m) => !stored.has(m.id));
          assert.ok(gone.length > 0, 'the fault lost nothing: it tested nothing');
          for (const l of listeners.filter((x) => x.name.endsWith(` ${hit}`))) {
            const got = checkDelivery(l.c.frames.items, hit, gone);
            if (got.missing.length < gone.length)
              assert.ok(
                toldOfLoss(l.c.frames.items, hit),
                `${l.name} saw lost messages and was not told`,
              );
          }
        }

        // Durable history: every acknowledged message Redis kept, once.
        for (const [i, { room }] of rooms.entries()) {
          const kept = new Set(await windowIds(admin, keys.window(conv.room(room))));
          const want = acked[i]!.filter((m) => fault !== 'lost writes' || kept.has(m.id));
          const histKey = keys.history(conv.room(room));
          const stored = async () =>
            (await admin.zrange(histKey, 0, '-1', 'WITHSCORES'))
              .filter((_, j) => j % 2 === 1)
              .map(Number);
          // A batch the writer could not finish in the fault is taken again (CLAIM_IDLE_MS).
          await waitUntil(
            async () => {
              const ids = new Set(await stored());
              return want.every((m) => ids.has(m.id));
            },
            20_000,
            `${room}: the history-writer stored every message Redis kept`,
          ).catch(async (err: Error) => {
            const ids = new Set(await stored());
            const missing = want.filter((m) => !ids.has(m.id)).map((m) => m.text);
            throw new Error(`${err.message}: missing ${missing.join(', ')}`);
          });
          const ids = await stored();
          assert.equal(new Set(ids).size, ids.length, `${room}: a message twice in history`);
        }

        // Every gateway is subscribed on every shard again, as before the fault.
        await waitUntil(
          async () => (await subscriberCount(cluster)) === subsBefore,
          15_000,
          `${subsBefore} subscriber connections again`,
        );
      }
    });
  }
});
