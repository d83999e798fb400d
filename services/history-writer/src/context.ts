import type { Redis } from 'ioredis';
import type { Keys, Logger, StoreContext } from '@chatfleet/common';
import type { HistoryWriterConfig } from './config.js';
import type { WriterMetrics } from './metrics.js';

export interface WriterContext {
  config: HistoryWriterConfig;
  redis: Redis;
  reader: Redis;
  keys: Keys;
  store: StoreContext;
  log: Logger;
  metrics: WriterMetrics;
}

export const GROUP = 'history-writer';
