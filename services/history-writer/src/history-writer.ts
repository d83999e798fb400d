import type { Server } from 'node:http';
import {
  connectRedis,
  createKeys,
  createRedis,
  createRegistry,
  runConsumerGroup,
  startMetricsServer,
  type Logger,
  type Service,
} from '@chatfleet/common';
import type { HistoryWriterConfig } from './config.js';
import { GROUP, type WriterContext } from './context.js';
import { lagLoop } from './lag-loop.js';
import { materialize } from './materialize.js';
import { createWriterMetrics } from './metrics.js';

export interface HistoryWriter extends Service {
  metricsPort(): number;
}

/** Turns the partition streams into durable per-conversation history and offline mailboxes. */
export function createHistoryWriter(config: HistoryWriterConfig, log: Logger): HistoryWriter {
  const redis = createRedis({
    url: config.redisUrl,
    role: 'commands',
    name: 'history-writer',
    logger: log,
  });
  const reader = createRedis({
    url: config.redisUrl,
    role: 'blocking',
    name: 'history-writer-reader',
    logger: log,
  });
  const registry = createRegistry('history-writer');
  const keys = createKeys(config.prefix, config.partitions);
  const ctx: WriterContext = {
    config,
    redis,
    reader,
    keys,
    store: { redis, keys, limits: config.store },
    log,
    metrics: createWriterMetrics(registry),
  };
  const abort = new AbortController();
  let loops: Promise<unknown> | undefined;
  let http: Server | undefined;
  let port = config.metricsPort;
  let stopping: Promise<void> | undefined;
  return {
    metricsPort: () => port,
    async start() {
      await Promise.all([connectRedis(redis), connectRedis(reader)]);
      const m = await startMetricsServer(registry, config.metricsHost, config.metricsPort, () => ({
        ok: !abort.signal.aborted,
        detail: { redis: redis.status },
      }));
      http = m.server;
      port = m.port;
      const consume = runConsumerGroup(
        {
          redis,
          reader,
          streams: keys.allEvents(),
          group: GROUP,
          consumer: config.consumer,
          claimIdleMs: config.claimIdleMs,
          count: config.batchSize,
          log,
          handle: (_stream, entries) => materialize(ctx, entries),
          onReclaimed: (n) => ctx.metrics.reclaimed.inc(n),
        },
        abort.signal,
      );
      loops = Promise.all([consume, lagLoop(ctx, abort.signal)]);
    },
    stop() {
      stopping ??= (async () => {
        abort.abort();
        reader.disconnect();
        await loops;
        http?.close();
        await redis.quit().catch(() => undefined);
      })();
      return stopping;
    },
  };
}
