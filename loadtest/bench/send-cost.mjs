// The `send` path alone, on a primary with one replica: Redis CPU per message (INFO: the
// primary's CPU, and the script's own time from commandstats) and the sender's latency, with
// ACK_REPLICAS=0 and 1. Messages go straight through the store (no gateway, no sockets), at a
// fixed number in flight over many rooms; bounded by `n` per mode.
import { performance } from 'node:perf_hooks';
import {
  createLogger,
  createRedisMetrics,
  createRegistry,
} from '../../services/runtime/dist/index.js';
import {
  conv,
  DEFAULT_STORE_LIMITS,
  redisGatewayBackend,
} from '../../services/store/dist/index.js';
import { redisClient, startReplicatedRedis } from '../../services/testing/dist/index.js';

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

function infoFields(text) {
  const out = {};
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(':');
    if (k && v !== undefined) out[k] = v;
  }
  return out;
}

async function redisCpu(admin) {
  const f = infoFields(await admin.info('cpu'));
  return Number(f.used_cpu_user) + Number(f.used_cpu_sys);
}

async function scriptMicros(admin) {
  const f = infoFields(await admin.info('commandstats'));
  const stat = f.cmdstat_evalsha ?? '';
  return {
    calls: Number(/calls=(\d+)/.exec(stat)?.[1] ?? 0),
    usec: Number(/usec=(\d+)/.exec(stat)?.[1] ?? 0),
  };
}

async function run(url, ackReplicas, n, inFlight, rooms) {
  const backend = redisGatewayBackend({
    url,
    service: 'bench-send',
    prefix: `bs${ackReplicas}${Date.now().toString(36)}`,
    partitions: 16,
    limits: { ...DEFAULT_STORE_LIMITS, ackReplicas, ackReplicasTimeoutMs: 1000 },
    clockSkewMs: 0,
    log: createLogger('bench-send', 'silent'),
    metrics: createRedisMetrics(createRegistry('bench-send', 'bench'), [
      'commands',
      'subscriber',
      'blocking',
    ]),
  });
  await backend.connect();
  const admin = await redisClient(url);
  const say = (i) =>
    backend.broker.publish({
      conv: conv.room(`r${i % rooms}`),
      room: `r${i % rooms}`,
      from: 'bench',
      text: `message ${i} with about as many characters as a chat line has`,
      publish: true,
      sid: 'bench.1',
    });
  for (let i = 0; i < 2000; i++) await say(i); // warm: scripts loaded, JIT, rooms exist
  await admin.config('RESETSTAT');
  const cpu0 = await redisCpu(admin);
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
  const cpu = (await redisCpu(admin)) - cpu0;
  const script = await scriptMicros(admin);
  latencies.sort((a, b) => a - b);
  admin.disconnect();
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

/** Both modes, one after the other, on one fresh primary + replica; one in flight, then many. */
export async function sendCost(n, inFlight = 32, rooms = 200) {
  const rr = await startReplicatedRedis();
  try {
    const out = [];
    for (const flight of [1, inFlight])
      for (const ack of [0, 1]) out.push(await run(rr.primary.url, ack, n, flight, rooms));
    return out;
  } finally {
    await rr.destroy();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await sendCost(Number(process.env.BENCH_SEND ?? 20_000)))
    console.log(JSON.stringify(r));
}
