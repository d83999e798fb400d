// The `send` path alone, on a primary with one replica: Redis CPU per message (INFO: the
// primary's CPU, and the script's own time from commandstats) and the sender's latency, with
// ACK_REPLICAS=0 and 1. Messages go straight through the store (no gateway, no sockets), at a
// fixed number in flight over many rooms; bounded by `n` per mode.
import { performance } from 'node:perf_hooks';
import { conv } from '../../services/store/dist/index.js';
import {
  redisClient,
  startRedis,
  startReplicatedRedis,
} from '../../services/testing/dist/index.js';
import { benchBackend, forSeconds, readRedis, sendTo } from './store-load.mjs';

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

async function run(url, ackReplicas, n, inFlight, rooms) {
  const backend = await benchBackend(url, {
    name: `bench-send${ackReplicas}`,
    limits: { ackReplicas, ackReplicasTimeoutMs: 1000 },
  });
  const say = (i) => sendTo(backend, `r${i % rooms}`, i);
  for (let i = 0; i < 2000; i++) await say(i); // warm: scripts loaded, JIT, rooms exist
  const cpu0 = (await readRedis(url, true)).cpu; // and the command counts start over
  const latencies = [];
  let next = 0;
  let unconfirmed = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const t = performance.now();
      await say(i).catch((err) => {
        if (err?.code === 'unconfirmed') unconfirmed++;
        else throw err;
      });
      latencies.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const seconds = (performance.now() - started) / 1000;
  const after = await readRedis(url);
  const cpu = after.cpu - cpu0;
  const script = after.commands.evalsha ?? { calls: 0, usec: 0 };
  latencies.sort((a, b) => a - b);
  await backend.close();
  const round = (x, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
  return {
    ackReplicas,
    messages: n,
    inFlight,
    messagesPerSecond: Math.round(n / seconds),
    redisCpuMicrosPerMessage: round((cpu * 1e6) / n),
    scriptMicrosPerCall: round(script.usec / Math.max(1, script.calls)),
    latencyMs: { p50: round(quantile(latencies, 0.5)), p99: round(quantile(latencies, 0.99)) },
    unconfirmed,
  };
}

/**
 * What each gateway hearing a message adds to Redis: the send path (32 in flight over 200 rooms)
 * with 0, 1, 5, 10 and 20 subscriber connections on every room, as that many gateways would
 * hold, on one fresh Redis. Also what a stored message takes in a window and a stream.
 */
export async function subscriberCost(seconds, fill = 110_000) {
  const redis = await startRedis();
  const subs = [];
  let backend;
  let admin;
  try {
    backend = await benchBackend(redis.url, { name: 'bench-subs' });
    admin = await redisClient(redis.url);
    const rooms = Array.from({ length: 200 }, (_, i) => `r${i}`);
    const say = (i) => sendTo(backend, rooms[i % 200], i);
    for (let i = 0; i < fill; i++) await say(i); // 110,000: every window full (500)
    const window = backend.store.keys.window(conv.room('r0'));
    const stream = backend.store.keys.events(backend.store.keys.partitionOf(conv.room('r0')));
    const bytes = async (key, n) =>
      Math.round(Number(await admin.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')) / n);
    const memory = {
      windowBytesPerMessage: await bytes(window, await admin.llen(window)),
      streamBytesPerEntry: await bytes(stream, await admin.xlen(stream)),
    };
    const channels = rooms.map((r) => backend.store.keys.live(conv.room(r)));
    const steps = [];
    for (const n of [0, 1, 5, 10, 20]) {
      while (subs.length < n) {
        const s = await redisClient(redis.url);
        s.on('message', () => {});
        await s.subscribe(...channels);
        subs.push(s);
      }
      const cpu0 = (await readRedis(redis.url)).cpu;
      const k = await forSeconds(seconds, 32, say);
      const cpu = (await readRedis(redis.url)).cpu - cpu0;
      steps.push({
        subscribers: n,
        redisCpuMicrosPerMessage: Math.round(((cpu * 1e6) / k) * 10) / 10,
      });
    }
    const [first, last] = [steps[1], steps.at(-1)];
    return {
      ...memory,
      steps,
      microsPerSubscriber:
        Math.round(
          ((last.redisCpuMicrosPerMessage - first.redisCpuMicrosPerMessage) /
            (last.subscribers - first.subscribers)) *
            100,
        ) / 100,
    };
  } finally {
    for (const s of subs) s.disconnect();
    admin?.disconnect();
    await backend?.close();
    await redis.destroy();
  }
}

/**
 * The script on an idle Redis with nothing attached (no replica: the target's own terms), then
 * both modes on one fresh primary + replica; each one in flight, then many.
 */
export async function sendCost(n, inFlight = 32, rooms = 200) {
  const out = [];
  const lone = await startRedis();
  try {
    for (const flight of [1, inFlight])
      out.push({ replica: false, ...(await run(lone.url, 0, n, flight, rooms)) });
  } finally {
    await lone.destroy();
  }
  const rr = await startReplicatedRedis();
  try {
    for (const flight of [1, inFlight])
      for (const ack of [0, 1])
        out.push({ replica: true, ...(await run(rr.primary.url, ack, n, flight, rooms)) });
    return out;
  } finally {
    await rr.destroy();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await sendCost(Number(process.env.BENCH_SEND ?? 20_000)))
    console.log(JSON.stringify(r));
}
