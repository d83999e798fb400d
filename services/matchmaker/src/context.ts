import type { Redis } from 'ioredis';
import type { Keys } from '@chatfleet/store';
import type { Logger } from '@chatfleet/runtime';
import type { MatchmakerConfig } from './config.js';
import type { MatchmakerMetrics } from './metrics.js';

export interface MatchmakerContext {
  config: MatchmakerConfig;
  redis: Redis;
  reader: Redis;
  keys: Keys;
  log: Logger;
  metrics: MatchmakerMetrics;
}

export const GROUP = 'matchmaker';
