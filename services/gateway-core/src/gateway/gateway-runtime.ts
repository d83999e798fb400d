import type { Server } from 'node:http';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import {
  closeRedis,
  connectRedis,
  createRedis,
  createRedisMetrics,
  createRegistry,
  FleetClock,
  type Logger,
  startMetricsServer,
} from '@chatfleet/runtime';
import { createKeys, RedisGatewayInbox } from '@chatfleet/store';
import { createGatewayMetrics, type GatewayMetrics } from '../metrics/gateway-metrics.js';
import type { GatewayConfig } from './gateway-config.js';
import { GatewayCore } from './gateway-core.js';
import type { Broadcast } from './topic-fanout.js';

export interface GatewayRuntime {
  redis: Redis;
  sub: Redis;
  registry: Registry;
  metrics: GatewayMetrics;
  core: GatewayCore;
  metricsPort(): number;
  /** Connects to Redis, joins the fleet, serves /metrics and /healthz. */
  start(): Promise<void>;
  /** Says bye to every session and leaves the fleet (bounded by SHUTDOWN_GRACE_MS). */
  drain(): Promise<void>;
  /** Closes the metrics server and the Redis connections. */
  close(): Promise<void>;
}

/** What both gateways share around their transport: connections, metrics, the core. */
export function createGatewayRuntime(
  config: GatewayConfig,
  log: Logger,
  service: string,
  transport: string,
  broadcast?: Broadcast,
): GatewayRuntime {
  const registry = createRegistry(service, config.gitSha);
  const redisMetrics = createRedisMetrics(registry, ['commands', 'subscriber', 'blocking']);
  const conn = { url: config.redisUrl, logger: log, metrics: redisMetrics };
  const redis = createRedis({ ...conn, role: 'commands', name: service });
  const sub = createRedis({ ...conn, role: 'subscriber', name: `${service}-sub` });
  const inboxReader = createRedis({ ...conn, role: 'blocking', name: `${service}-inbox` });
  const metrics = createGatewayMetrics(registry, transport);
  const store = {
    redis,
    keys: createKeys(config.prefix, config.partitions),
    limits: config.store,
    clock: new FleetClock(config.clockSkewMs),
  };
  const core = new GatewayCore({
    store,
    sub,
    openInbox: (gw) => new RedisGatewayInbox(inboxReader, store, gw),
    log,
    metrics,
    limits: config.session,
    heartbeatMs: config.heartbeatMs,
    healthGraceMs: config.healthGraceMs,
    ...(broadcast ? { broadcast } : {}),
  });
  let http: Server | undefined;
  let port = config.metricsPort;
  return {
    redis,
    sub,
    registry,
    metrics,
    core,
    metricsPort: () => port,
    async start() {
      await Promise.all([connectRedis(redis), connectRedis(sub), connectRedis(inboxReader)]);
      await core.start();
      const m = await startMetricsServer(registry, config.metricsHost, config.metricsPort, () =>
        core.health(),
      );
      http = m.server;
      port = m.port;
    },
    drain: () => core.stop(config.shutdownGraceMs),
    async close() {
      http?.close();
      await Promise.all([closeRedis(redis), closeRedis(sub)]);
      inboxReader.disconnect();
    },
  };
}
