import { createKeys, type Keys, type StoreContext } from '@chatfleet/store';
import {
  Continuity,
  createWorkerRuntime,
  FleetClock,
  type Logger,
  type WorkerRuntime,
  type RedisClient,
} from '@chatfleet/runtime';
import type { HistoryWriterConfig } from './config.js';
import { createWriterMetrics, type WriterMetrics } from './metrics.js';

export interface WriterContext {
  config: HistoryWriterConfig;
  /** Connections, metrics registry, the one AbortSignal and the service's lifecycle. */
  runtime: WorkerRuntime;
  redis: RedisClient;
  reader: RedisClient;
  keys: Keys;
  store: StoreContext;
  log: Logger;
  metrics: WriterMetrics;
  /** How long its reads have reached Redis without failing (it judges gateways dead by it). */
  redisHeld: Continuity;
}

export const GROUP = 'history-writer';

/**
 * The one way the history-writer's context is built: from its config, with anything a test
 * gives in `overrides` used as it is.
 */
export function writerContextFromConfig(
  config: HistoryWriterConfig,
  log: Logger,
  overrides: Partial<WriterContext> = {},
): WriterContext {
  const runtime = overrides.runtime ?? createWorkerRuntime(config, log, 'history-writer');
  const { redis, reader } = runtime;
  const keys = overrides.keys ?? createKeys(config.prefix, config.partitions, config.redisCluster);
  return {
    config,
    runtime,
    redis,
    reader,
    keys,
    store: { redis, keys, limits: config.store, clock: new FleetClock(config.clockSkewMs) },
    log,
    metrics: overrides.metrics ?? createWriterMetrics(runtime.registry),
    redisHeld: new Continuity(config.gatewayTimeoutMs),
    ...overrides,
  };
}
