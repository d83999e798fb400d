import { createKeys, type Keys } from '@chatfleet/store';
import {
  Continuity,
  createWorkerRuntime,
  type Logger,
  type WorkerRuntime,
  type RedisClient,
} from '@chatfleet/runtime';
import type { MatchmakerConfig } from './config.js';
import { createMatchmakerMetrics, type MatchmakerMetrics } from './metrics.js';

export interface MatchmakerContext {
  config: MatchmakerConfig;
  /** Connections, metrics registry, the one AbortSignal and the service's lifecycle. */
  runtime: WorkerRuntime;
  redis: RedisClient;
  reader: RedisClient;
  keys: Keys;
  log: Logger;
  metrics: MatchmakerMetrics;
  /** How long its passes have reached Redis without failing (it judges gateways dead by it). */
  redisHeld: Continuity;
}

export const GROUP = 'matchmaker';

/**
 * The one way the matchmaker's context is built: from its config, with anything a test gives
 * in `overrides` used as it is.
 */
export function matchmakerContextFromConfig(
  config: MatchmakerConfig,
  log: Logger,
  overrides: Partial<MatchmakerContext> = {},
): MatchmakerContext {
  const runtime = overrides.runtime ?? createWorkerRuntime(config, log, 'matchmaker');
  return {
    config,
    runtime,
    redis: runtime.redis,
    reader: runtime.reader,
    keys: overrides.keys ?? createKeys(config.prefix, config.partitions, config.redisCluster),
    log,
    metrics: overrides.metrics ?? createMatchmakerMetrics(runtime.registry),
    redisHeld: new Continuity(config.gatewayTimeoutMs),
    ...overrides,
  };
}
