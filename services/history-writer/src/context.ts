import type { Redis } from 'ioredis';
import type { Keys, StoreContext } from '@chatfleet/store';
import type { Logger } from '@chatfleet/runtime';
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
