import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../logger.js';
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
  const base: RedisOptions = {
    connectionName: o.name,
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
  const client = new Redis(o.url, { ...base, ...byRole[o.role] });
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

/** Connects and waits for ready, but gives up waiting after timeoutMs (the client keeps retrying). */
export async function connectRedis(client: Redis, timeoutMs = 5000): Promise<boolean> {
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
