import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { Logger } from '../logger.js';
import type { RedisClient } from './redis-client.js';
import { instrumentRedis, type RedisMetrics } from '../metrics/redis-metrics.js';

export type RedisRole = 'commands' | 'subscriber' | 'blocking';

export interface RedisClientOptions {
  url: string;
  role: RedisRole;
  name: string;
  logger: Logger;
  /** Command timeout for the commands role, so callers fail fast instead of hanging. */
  commandTimeoutMs?: number;
  /** Where its command latency, errors and reconnects are counted. */
  metrics?: RedisMetrics;
}

/**
 * One connection per role. Command connections refuse to queue while Redis is away, so a
 * gateway answers `unavailable` at once; blocking readers and subscribers wait and resume.
 */
export function createRedis(o: RedisClientOptions): Redis {
  const client = new Redis(o.url, roleOptions(o));
  return watch(client, o);
}

function roleOptions(o: RedisClientOptions): RedisOptions {
  const base: RedisOptions = {
    connectionName: o.name,
    // RESP2, as ioredis 5 spoke: script replies (nested arrays, nil) and Pub/Sub read the same,
    // and the `send` path measured in docs/benchmarks.md is unchanged.
    protocol: 2,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
    reconnectOnError: (err) => err.message.startsWith('READONLY'),
    lazyConnect: true,
  };
  const byRole: Record<RedisRole, RedisOptions> = {
    commands: {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: o.commandTimeoutMs ?? 3000,
    },
    // The gateway resubscribes itself, so it knows when Redis confirmed it (ready comes first).
    subscriber: { enableOfflineQueue: true, maxRetriesPerRequest: null, autoResubscribe: false },
    blocking: { enableOfflineQueue: true, maxRetriesPerRequest: null },
  };
  return { ...base, ...byRole[o.role] };
}

function watch<C extends RedisClient>(client: C, o: RedisClientOptions): C {
  if (o.metrics) instrumentRedis(client, o.role, o.metrics);
  let down = false;
  client.on('error', (err: Error) => {
    if (!down) o.logger.warn({ role: o.role, err: err.message }, 'redis error');
    down = true;
  });
  client.on('ready', () => {
    if (down) o.logger.info({ role: o.role }, 'redis reconnected');
    down = false;
  });
  return client;
}

/**
 * A Redis Cluster client from seed node URLs (`o.url`, comma-separated; on ElastiCache, the
 * configuration endpoint). Nodes are reached with the seeds' TLS and credentials.
 */
export function createRedisCluster(o: RedisClientOptions): Cluster {
  const seeds = o.url.split(',').map((u) => new URL(u.trim()));
  const first = seeds[0];
  if (!first) throw new Error('no Redis Cluster seed URL');
  const tls = first.protocol === 'rediss:';
  const role = roleOptions(o);
  const redisOptions: RedisOptions = {
    ...role,
    username: decodeURIComponent(first.username) || undefined,
    password: decodeURIComponent(first.password) || undefined,
    ...(tls ? { tls: { servername: first.hostname } } : {}),
  };
  const options: ClusterOptions = {
    redisOptions,
    lazyConnect: true,
    enableOfflineQueue: role.enableOfflineQueue,
    maxRedirections: 16,
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    clusterRetryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), 2000),
    // TLS names the node it connects to: keep the hostnames CLUSTER SLOTS gives.
    ...(tls ? { dnsLookup: (address, callback) => callback(null, address) } : {}),
  };
  const cluster = new Cluster(
    seeds.map((u) => ({ host: u.hostname, port: Number(u.port || 6379) })),
    options,
  );
  return watch(cluster, o);
}

/** `createRedis` for a node of a cluster ("host:port"), with the seeds' TLS and credentials. */
export function nodeUrl(seedUrl: string, node: string): string {
  const seed = new URL(seedUrl.split(',')[0]?.trim() ?? '');
  const [host, port] = [
    node.slice(0, node.lastIndexOf(':')),
    node.slice(node.lastIndexOf(':') + 1),
  ];
  seed.hostname = host;
  seed.port = port;
  return seed.toString();
}

/** Connects and waits for ready, but gives up waiting after timeoutMs (the client keeps retrying). */
export async function connectRedis(client: RedisClient, timeoutMs = 5000): Promise<boolean> {
  if (client.status === 'ready') return true;
  if (client.status === 'wait') client.connect().catch(() => undefined);
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      client.off('ready', onReady);
      resolve(false);
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(t);
      resolve(true);
    };
    client.once('ready', onReady);
  });
}
