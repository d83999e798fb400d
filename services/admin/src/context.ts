import {
  createLogger,
  createRedis,
  createRedisCluster,
  FleetClock,
  type RedisClient,
} from '@chatfleet/runtime';
import { createKeys, DEFAULT_STORE_LIMITS, redisTimeMs, type StoreContext } from '@chatfleet/store';
import type { AdminConfig } from './config.js';

export interface AdminContext {
  store: StoreContext;
  /** The moderator acting. */
  by: string;
  config: AdminConfig;
  close(): Promise<void>;
}

/** Connects to the fleet's Redis and learns its clock (bans end by it, as the gateways see). */
export async function openAdmin(config: AdminConfig, by: string): Promise<AdminContext> {
  const logger = createLogger('chatfleet-admin', 'silent');
  const o = { url: config.redisUrl, role: 'commands' as const, name: 'chatfleet-admin', logger };
  const redis: RedisClient = config.redisCluster ? createRedisCluster(o) : createRedis(o);
  // The reason a connection failed (ECONNREFUSED, a DNS error…): connect() only says it closed.
  let lastError: Error | undefined;
  redis.on('error', (err: Error) => (lastError = err));
  const close = async () => {
    redis.disconnect();
  };
  try {
    await redis.connect();
  } catch (err) {
    await close();
    const why = lastError?.message ?? (err as Error).message;
    throw new Error(`cannot reach Redis at ${safeUrl(config.redisUrl)}: ${why}`, { cause: err });
  }
  const keys = createKeys(config.prefix, config.partitions, config.redisCluster);
  const clock = new FleetClock();
  const store: StoreContext = { redis, keys, limits: DEFAULT_STORE_LIMITS, clock };
  const sentAt = clock.host();
  clock.learn(await redisTimeMs(store, keys.bans()), sentAt);
  return { store, by, config, close };
}

/** A Redis URL without its password, for error messages. */
function safeUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/g, '//***@');
}
