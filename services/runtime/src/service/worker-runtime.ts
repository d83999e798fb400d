import type { RedisClient } from '../redis/redis-client.js';
import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Registry } from 'prom-client';
import type { BaseConfig } from '../env.js';
import type { Logger } from '../logger.js';
import { startMetricsServer } from '../metrics/http-server.js';
import { createRedisMetrics } from '../metrics/redis-metrics.js';
import { createRegistry } from '../metrics/registry.js';
import { connectRedis, createRedis, createRedisCluster } from '../redis/clients.js';
import { closeRedis } from '../redis/close.js';

export interface WorkerRuntime {
  redis: RedisClient;
  /** The blocking stream reader's own connection. */
  reader: RedisClient;
  registry: Registry;
  /** Aborted once, when the service stops; every loop honours it. */
  signal: AbortSignal;
  metricsPort(): number;
  /** Connects, serves /metrics and /healthz, then runs the service's loops. */
  start(loops: () => Promise<unknown>[]): Promise<void>;
  /** Idempotent: stops the loops (a blocked read returns at once), lets them finish, closes. */
  stop(): Promise<void>;
}

/** What the matchmaker and the history-writer share: connections, metrics, lifecycle. */
export function createWorkerRuntime(
  config: BaseConfig,
  log: Logger,
  service: string,
): WorkerRuntime {
  const registry = createRegistry(service, config.gitSha);
  const redisMetrics = createRedisMetrics(registry, ['commands', 'blocking']);
  const conn = { url: config.redisUrl, logger: log, metrics: redisMetrics };
  const open = config.redisCluster ? createRedisCluster : createRedis;
  const redis: RedisClient = open({ ...conn, role: 'commands', name: service });
  const reader: RedisClient = open({ ...conn, role: 'blocking', name: `${service}-reader` });
  const abort = new AbortController();
  let http: Server | undefined;
  let port = config.metricsPort;
  let running: Promise<unknown> | undefined;
  let stopping: Promise<void> | undefined;
  return {
    redis,
    reader,
    registry,
    signal: abort.signal,
    metricsPort: () => port,
    async start(loops) {
      await Promise.all([connectRedis(redis), connectRedis(reader)]);
      const m = await startMetricsServer(registry, config.metricsHost, config.metricsPort, () => ({
        ok: !abort.signal.aborted,
        detail: { redis: redis.status },
      }));
      http = m.server;
      port = m.port;
      running = Promise.all(loops());
    },
    stop() {
      stopping ??= (async () => {
        abort.abort();
        reader.disconnect();
        // Loops stuck on a Redis that is away get the grace, then are left behind.
        await Promise.race([running, sleep(config.shutdownGraceMs, undefined, { ref: false })]);
        http?.close();
        await closeRedis(redis);
      })();
      return stopping;
    },
  };
}
