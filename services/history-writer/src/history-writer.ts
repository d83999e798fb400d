import { runConsumerGroup } from '@chatfleet/store';
import type { Logger, Service } from '@chatfleet/runtime';
import type { HistoryWriterConfig } from './config.js';
import { GROUP, type WriterContext, writerContextFromConfig } from './context.js';
import { lagLoop } from './lag-loop.js';
import { materialize } from './materialize.js';

export interface HistoryWriter extends Service {
  metricsPort(): number;
}

/** Turns the partition streams into durable per-conversation history and offline mailboxes. */
export function createHistoryWriter(
  config: HistoryWriterConfig,
  log: Logger,
  overrides: Partial<WriterContext> = {},
): HistoryWriter {
  const ctx = writerContextFromConfig(config, log, overrides);
  const { runtime: rt, redis, reader, keys } = ctx;
  const { signal } = rt;
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
        continuity: ctx.redisHeld,
      },
      signal,
    );
  return {
    metricsPort: rt.metricsPort,
    start: () => rt.start(() => [consume(), lagLoop(ctx, signal)]),
    stop: () => rt.stop(),
  };
}
