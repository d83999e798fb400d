import { createKeys, runConsumerGroup } from '@chatfleet/store';
import { createWorkerRuntime, FleetClock, type Logger, type Service } from '@chatfleet/runtime';
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
  const rt = createWorkerRuntime(config, log, 'history-writer');
  const { redis, reader, signal } = rt;
  const keys = createKeys(config.prefix, config.partitions);
  const ctx: WriterContext = {
    config,
    redis,
    reader,
    keys,
    store: { redis, keys, limits: config.store, clock: new FleetClock(config.clockSkewMs) },
    log,
    metrics: createWriterMetrics(rt.registry),
  };
  const consume = () =>
    runConsumerGroup(
      {
        redis,
        reader,
        streams: keys.allEvents(),
        group: GROUP,
        consumer: config.consumer,
        claimIdleMs: config.claimIdleMs,
        count: config.batchSize,
        lingerMs: config.batchLingerMs,
        log,
        handle: async (entries) => {
          ctx.metrics.batchSize.observe(entries.length);
          await materialize(ctx, entries).catch((err: unknown) => {
            ctx.metrics.writeErrors.inc();
            throw err;
          });
        },
        onReclaimed: (n) => ctx.metrics.reclaimed.inc(n),
      },
      signal,
    );
  return {
    metricsPort: rt.metricsPort,
    start: () => rt.start(() => [consume(), lagLoop(ctx, signal)]),
    stop: () => rt.stop(),
  };
}
