import { performance } from 'node:perf_hooks';
import { Cluster, type Command } from 'ioredis';
import type { RedisClient } from '../redis/redis-client.js';
import { Counter, Histogram, type Registry } from 'prom-client';

export const COMMAND_GROUPS = ['read', 'write', 'script', 'stream', 'pubsub', 'blocking', 'other'];

const GROUP_OF: Record<string, string> = {};
const groups: Record<string, string> = {
  read: 'get mget hget hmget hgetall hlen hexists exists smembers sismember scard zrange zrangebyscore zrevrange zrevrangebyscore zscore zcard zcount ttl pttl type scan sscan hscan time',
  write:
    'set del unlink hset hsetnx hdel hincrby incr incrby expire pexpire sadd srem zadd zrem zremrangebyscore zremrangebyrank rename',
  script: 'eval evalsha evalsha_ro eval_ro script fcall',
  stream:
    'xadd xack xautoclaim xclaim xpending xinfo xrange xrevrange xlen xtrim xgroup xdel xsetid',
  pubsub: 'publish subscribe unsubscribe psubscribe punsubscribe ssubscribe sunsubscribe spublish',
  // Reads that wait by design: counted, never timed.
  blocking: 'xread xreadgroup blpop brpop bzpopmin',
};
for (const [group, names] of Object.entries(groups))
  for (const n of names.split(/\s+/)) GROUP_OF[n] = group;

/** The bounded label of a command name. */
export const commandGroup = (name: string): string => GROUP_OF[name.toLowerCase()] ?? 'other';

export interface RedisMetrics {
  duration: Histogram<'role' | 'group'>;
  errors: Counter<'role' | 'group'>;
  reconnects: Counter<'role'>;
}

/** Round trips to a local Redis are ~0.1 ms: from 50 µs, 15 buckets up to ~0.8 s. */
const REDIS_BUCKETS = Array.from({ length: 15 }, (_, i) => 0.00005 * 2 ** i);

export function createRedisMetrics(registry: Registry, roles: readonly string[]): RedisMetrics {
  const r = { registers: [registry] };
  const m: RedisMetrics = {
    duration: new Histogram({
      name: 'chat_redis_command_duration_seconds',
      help: 'From sending a Redis command to its reply, by connection role and command group',
      labelNames: ['role', 'group'],
      buckets: REDIS_BUCKETS,
      ...r,
    }),
    errors: new Counter({
      name: 'chat_redis_command_errors_total',
      help: 'Redis commands that failed (error reply, timeout, connection down), by role and group',
      labelNames: ['role', 'group'],
      ...r,
    }),
    reconnects: new Counter({
      name: 'chat_redis_reconnects_total',
      help: 'Times a Redis connection was ready again after it had been lost, by role',
      labelNames: ['role'],
      ...r,
    }),
  };
  for (const role of roles) {
    m.reconnects.inc({ role }, 0);
    for (const group of COMMAND_GROUPS) {
      m.errors.inc({ role, group }, 0);
      if (group !== 'blocking') m.duration.zero({ role, group });
    }
  }
  return m;
}

/**
 * Times every command this client sends (pipelines included) and counts its reconnects.
 * ioredis's diagnostics channel is process-wide and does not say which connection sent a
 * command (and stringifies every argument), so each client's sendCommand is wrapped instead.
 */
export function instrumentRedis(client: RedisClient, role: string, m: RedisMetrics): void {
  const send = client.sendCommand.bind(client);
  client.sendCommand = (cmd: Command, ...rest: unknown[]) => {
    const group = commandGroup(cmd.name);
    const t0 = performance.now();
    cmd.promise.then(
      () => {
        if (group !== 'blocking')
          m.duration.observe({ role, group }, (performance.now() - t0) / 1000);
      },
      (err: unknown) => {
        // A script Redis forgot is loaded and run again at once: not a failure anyone sees.
        if (!(err instanceof Error && err.message.startsWith('NOSCRIPT')))
          m.errors.inc({ role, group });
      },
    );
    return (send as (...a: unknown[]) => unknown)(cmd, ...rest);
  };
  let wasReady = false;
  client.on('ready', () => {
    if (wasReady) m.reconnects.inc({ role });
    wasReady = true;
  });
}

/**
 * Redis's memory in use and its maxmemory (0: no limit), from INFO memory; NaN where absent. On
 * Redis Cluster, the primary that uses the most: the first one full refuses writes.
 */
export async function redisMemory(redis: RedisClient): Promise<{ used: number; max: number }> {
  const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
  const all = await Promise.all(
    nodes.map(async (n) => {
      const info = await n.info('memory');
      const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1]);
      return { used: field('used_memory'), max: field('maxmemory') };
    }),
  );
  const most = all.reduce<{ used: number; max: number } | undefined>(
    (a, b) => (a === undefined || b.used > a.used ? b : a),
    undefined,
  );
  return most ?? { used: NaN, max: NaN };
}
