// What the bench's send-path cases share: a gateway's store backend driven without a gateway,
// chat-line messages, a time-bounded load, and Redis's own CPU and command counts.
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
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

/** A gateway's backend on a fresh prefix, connected: one Redis, or a cluster's seed URLs. */
export async function benchBackend(url, { name, cluster = false, limits = {} }) {
  const b = redisGatewayBackend({
    url,
    cluster,
    service: name,
    prefix: `${name}-${Date.now().toString(36)}`,
    partitions: cluster ? 128 : 16,
    limits: { ...DEFAULT_STORE_LIMITS, ...limits },
    clockSkewMs: 0,
    log: createLogger(name, 'silent'),
    metrics: createRedisMetrics(createRegistry(name, 'bench'), [
      'commands',
      'subscriber',
      'blocking',
    ]),
  });
  await b.connect();
  return b;
}

/** Message `i`, about as long as a chat line, into `room`. */
export const sendTo = (b, room, i) =>
  b.broker.publish({
    conv: conv.room(room),
    room,
    from: 'bench',
    text: `message ${i} with about as many characters as a chat line has`,
    publish: true,
    sid: 'bench.1',
  });

/** Runs `send(n)` for n = 0, 1, 2… with `inFlight` at a time for `seconds`; resolves with n. */
export async function forSeconds(seconds, inFlight, send) {
  let n = 0;
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < end) await send(n++);
    }),
  );
  return n;
}

/**
 * One Redis's CPU seconds so far and, per command, its calls and µs (commands a script runs are
 * counted too); with `reset`, the command counts are reset instead of read.
 */
export async function readRedis(url, reset = false) {
  const r = new Redis(url, { protocol: 2 });
  try {
    const info = await r.info('cpu');
    const stats = reset ? await r.config('RESETSTAT') : await r.info('commandstats');
    const v = (k) => Number(new RegExp(`${k}:([\\d.]+)`).exec(info)?.[1] ?? 0);
    const commands = {};
    if (!reset)
      for (const m of String(stats).matchAll(/cmdstat_([\w|]+):calls=(\d+),usec=(\d+)/g))
        commands[m[1]] = { calls: Number(m[2]), usec: Number(m[3]) };
    return { cpu: v('used_cpu_user') + v('used_cpu_sys'), commands };
  } finally {
    await r.quit();
  }
}
