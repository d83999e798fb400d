import type { Server } from 'node:http';
import type { Registry } from 'prom-client';
import {
  createRedisMetrics,
  createRegistry,
  type Logger,
  startMetricsServer,
} from '@chatfleet/runtime';
import { type GatewayBackend, redisGatewayBackend } from '@chatfleet/store';
import { createGatewayMetrics, type GatewayMetrics } from '../metrics/gateway-metrics.js';
import type { GatewayConfig } from './gateway-config.js';
import { GatewayCore } from './gateway-core.js';
import type { Broadcast } from '../delivery/topic-fanout.js';

/** What a gateway is built from: its config, logger, metrics and the store behind its seams. */
export interface GatewayContext {
  config: GatewayConfig;
  log: Logger;
  registry: Registry;
  metrics: GatewayMetrics;
  backend: GatewayBackend;
  /** Random by default; set it only in tests. */
  gatewayId?: string;
}

/** The gateway's names: `service` labels its metrics and connections, `transport` its frames. */
export interface GatewayNames {
  service: string;
  transport: string;
}

/**
 * The one way a gateway's context is built: from its config, with anything a test gives in
 * `overrides` used as it is (and nothing made for what it replaces).
 */
export function gatewayContextFromConfig(
  config: GatewayConfig,
  log: Logger,
  names: GatewayNames,
  overrides: Partial<GatewayContext> = {},
): GatewayContext {
  const registry = overrides.registry ?? createRegistry(names.service, config.gitSha);
  const backend =
    overrides.backend ??
    redisGatewayBackend({
      url: config.redisUrl,
      cluster: config.redisCluster,
      service: names.service,
      prefix: config.prefix,
      partitions: config.partitions,
      limits: config.store,
      clockSkewMs: config.clockSkewMs,
      log,
      metrics: createRedisMetrics(registry, ['commands', 'subscriber', 'blocking']),
    });
  const metrics = overrides.metrics ?? createGatewayMetrics(registry, names.transport);
  return { config, log, registry, metrics, backend, ...overrides };
}

export interface GatewayRuntime {
  registry: Registry;
  metrics: GatewayMetrics;
  core: GatewayCore;
  metricsPort(): number;
  /** Connects to Redis, joins the fleet, serves /metrics and /healthz. */
  start(): Promise<void>;
  /** Says bye to every session and leaves the fleet (bounded by SHUTDOWN_GRACE_MS). */
  drain(): Promise<void>;
  /** Closes the metrics server and the store's connections. */
  close(): Promise<void>;
}

/** What both gateways share around their transport: the core and its lifecycle. */
export function createGatewayRuntime(ctx: GatewayContext, broadcast?: Broadcast): GatewayRuntime {
  const { config, backend, registry, metrics } = ctx;
  const core = new GatewayCore({
    store: backend.store,
    commands: backend.commands,
    broker: backend.broker,
    presence: backend.presence,
    openInbox: backend.openInbox,
    log: ctx.log,
    metrics,
    limits: config.session,
    heartbeatMs: config.heartbeatMs,
    positionCheckMs: config.positionCheckMs,
    healthGraceMs: config.healthGraceMs,
    ...(ctx.gatewayId !== undefined ? { gatewayId: ctx.gatewayId } : {}),
    ...(broadcast ? { broadcast } : {}),
  });
  let http: Server | undefined;
  let port = config.metricsPort;
  return {
    registry,
    metrics,
    core,
    metricsPort: () => port,
    async start() {
      await backend.connect();
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
      await backend.close();
    },
  };
}
