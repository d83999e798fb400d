// Redis Cluster, measured beside one Redis: the send path's throughput and Redis CPU per message
// on each primary (the work a shard does per message), and how soon live delivery on a shard
// comes back after its primary fails over. Messages go straight through the store (no gateway);
// every loop is bounded in time.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { conv, slotOf } from '../../services/store/dist/index.js';
import { startRedisCluster, startReplicatedRedis } from '../../services/testing/dist/index.js';
import { benchBackend, forSeconds, readRedis, sendTo } from './store-load.mjs';

const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const backendOn = (url, cluster) => benchBackend(url, { name: 'bench-cluster', cluster });

/** CPU seconds, `evalsha` runs and µs spent in them, of each Redis, by URL. */
async function readNodes(urls) {
  return Promise.all(
    urls.map(async (url) => {
      const { cpu, commands } = await readRedis(url);
      return { cpu, sends: commands.evalsha?.calls ?? 0, scriptUsec: commands.evalsha?.usec ?? 0 };
    }),
  );
}

/** `inFlight` sends at a time for `seconds`, over the `rooms` named, after a warm-up. */
async function drive(b, urls, seconds, inFlight, rooms) {
  const say = (i) => sendTo(b, rooms[i % rooms.length], i);
  for (let i = 0; i < 2000; i++) await say(i);
  const before = await readNodes(urls);
  const started = performance.now();
  const n = await forSeconds(seconds, inFlight, say);
  const took = (performance.now() - started) / 1000;
  const after = await readNodes(urls);
  const shards = after.map((a, i) => {
    const cpu = a.cpu - (before[i]?.cpu ?? 0);
    const sends = a.sends - (before[i]?.sends ?? 0);
    const script = a.scriptUsec - (before[i]?.scriptUsec ?? 0);
    return {
      share: round(sends / n, 3),
      cpuMicrosPerMessage: round((cpu * 1e6) / Math.max(1, sends)),
      scriptMicrosPerMessage: round(script / Math.max(1, sends)),
      busy: round(cpu / took, 2),
    };
  });
  return { messagesPerSecond: Math.round(n / took), shards };
}

const named = (n) => Array.from({ length: n }, (_, i) => `r${i}`);

/**
 * The send path on one Redis primary with a replica, then on a 3-primary cluster (a replica
 * each) with rooms on every shard, then with
 * rooms on one shard only (one generator drives a single node about as hard as one Redis: what
 * a shard costs per message at the same load), same generator.
 */
export async function clusterThroughput(seconds = 10, inFlight = 64, count = 300) {
  // Like for like: one primary with its replica, as a shard has one.
  const single = await startReplicatedRedis();
  let one;
  try {
    const b = await backendOn(single.primary.url, false);
    one = await drive(b, [single.primary.url], seconds, inFlight, named(count));
    await b.close();
  } finally {
    await single.destroy();
  }
  const cluster = await startRedisCluster();
  let three;
  let oneShard;
  try {
    const primaries = (await cluster.nodes()).filter((n) => n.primary);
    const urls = primaries.map((n) => `redis://127.0.0.1:${n.port}`);
    const b = await backendOn(cluster.url, true);
    three = await drive(b, urls, seconds, inFlight, named(count));
    const first = primaries[0];
    const onFirst = named(count * 10).filter((r) => {
      const slot = slotOf(b.store.keys.live(conv.room(r)));
      return first.slots.some(([a, z]) => slot >= a && slot <= z);
    });
    oneShard = await drive(b, [urls[0]], seconds, inFlight, onFirst.slice(0, count));
    await b.close();
  } finally {
    await cluster.destroy();
  }
  return {
    single: one,
    cluster: three,
    clusterOneShard: oneShard,
    measuredRatio: round(three.messagesPerSecond / one.messagesPerSecond, 2),
  };
}

/**
 * 20 messages/s into one room per primary, heard by a broker's listener; then CLUSTER FAILOVER on
 * one primary's replica. How long after the promotion the first message sent after it is heard
 * live on that shard, and the longest silence on the other shards.
 */
export async function resumeAfterFailover() {
  const cluster = await startRedisCluster();
  try {
    const b = await backendOn(cluster.url, true);
    const heardAt = new Map();
    b.broker.listen({
      message: (c, env) => {
        if (env?.k === 'm')
          (heardAt.get(c) ?? heardAt.set(c, []).get(c)).push([Date.now(), Number(env.m.text)]);
      },
      down: () => {},
      up: () => {},
    });
    const rooms = await cluster.onePerPrimary(
      (i) => `f${i}`,
      (r) => b.store.keys.live(conv.room(r)),
    );
    await b.broker.subscribe([...rooms.values()].map((r) => conv.room(r)));
    let stop = false;
    const senders = [...rooms.values()].map(async (room) => {
      for (let i = 0; !stop && i < 2000; i++) {
        const t = Date.now();
        await b.broker
          .publish({
            conv: conv.room(room),
            room,
            from: 'bench',
            text: String(t),
            publish: true,
            sid: 'b.1',
          })
          .catch(() => undefined);
        await sleep(Math.max(0, 50 - (Date.now() - t)));
      }
    });
    await sleep(2000);
    const [port, room] = [...rooms.entries()][0];
    const primary = (await cluster.nodes()).find((n) => n.port === port);
    const replica = (await cluster.nodes()).find((n) => n.of === primary.id);
    const admin = await cluster.admin(replica.port);
    const asked = Date.now();
    await admin.call('CLUSTER', 'FAILOVER');
    let promotedAt;
    for (let i = 0; i < 300 && promotedAt === undefined; i++) {
      if (/role:master/.test(await admin.info('replication'))) promotedAt = Date.now();
      else await sleep(20);
    }
    await sleep(8000);
    stop = true;
    await Promise.all(senders);
    const moved = heardAt.get(conv.room(room)) ?? [];
    const firstAfter = moved.find(([, sentAt]) => sentAt >= promotedAt);
    const silences = [...rooms.values()]
      .filter((r) => r !== room)
      .map((r) => {
        const times = (heardAt.get(conv.room(r)) ?? []).map(([at]) => at);
        return Math.max(0, ...times.slice(1).map((t, i) => t - times[i]));
      });
    await b.close();
    return {
      promotedAfterMs: promotedAt === undefined ? null : promotedAt - asked,
      liveAgainAfterPromotionMs: firstAfter && promotedAt ? firstAfter[0] - promotedAt : null,
      otherShardsLongestSilenceMs: Math.max(0, ...silences),
    };
  } finally {
    await cluster.destroy();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(
    JSON.stringify(await clusterThroughput(Number(process.env.BENCH_CLUSTER_SECONDS ?? 10))),
  );
  console.log(JSON.stringify(await resumeAfterFailover()));
}
