import { setTimeout as sleep } from 'node:timers/promises';
import type { Server } from 'node:http';
import {
  connectRedis,
  createKeys,
  createRedis,
  createRegistry,
  fieldsOf,
  runConsumerGroup,
  startMetricsServer,
  type Logger,
  type Service,
} from '@chatfleet/common';
import type { MatchmakerConfig } from './config.js';
import { GROUP, type MatchmakerContext } from './context.js';
import { createMatchmakerMetrics } from './metrics.js';
import { pairPass } from './pair-pass.js';
import { applyRequest } from './queue.js';

export interface Matchmaker extends Service {
  metricsPort(): number;
}

/** Pairs strangers: applies requests from the stream, pairs on every batch and every tick. */
export function createMatchmaker(config: MatchmakerConfig, log: Logger): Matchmaker {
  const redis = createRedis({
    url: config.redisUrl,
    role: 'commands',
    name: 'matchmaker',
    logger: log,
  });
  const reader = createRedis({
    url: config.redisUrl,
    role: 'blocking',
    name: 'matchmaker-reader',
    logger: log,
  });
  const registry = createRegistry('matchmaker');
  const ctx: MatchmakerContext = {
    config,
    redis,
    reader,
    keys: createKeys(config.prefix, config.partitions),
    log,
    metrics: createMatchmakerMetrics(registry),
  };
  const abort = new AbortController();
  let loops: Promise<unknown> | undefined;
  let http: Server | undefined;
  let port = config.metricsPort;
  let running: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;

  // One pass at a time in this process; a pass asked for meanwhile runs right after.
  let again = false;
  const pair = async (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await pairPass(ctx).catch((err: unknown) =>
          log.warn({ err: String(err) }, 'pairing pass failed'),
        );
      } while (again && !abort.signal.aborted);
    })();
    await running;
    running = undefined;
  };

  const tickLoop = async () => {
    while (!abort.signal.aborted) {
      await pair();
      await sleep(config.tickMs, undefined, { signal: abort.signal }).catch(() => undefined);
    }
  };

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
          streams: [ctx.keys.matchRequests()],
          group: GROUP,
          consumer: config.consumer,
          claimIdleMs: config.claimIdleMs,
          count: 200,
          log,
          handle: async (_stream, entries) => {
            for (const [, flat] of entries) {
              const fields = fieldsOf(flat);
              if (await applyRequest(redis, ctx.keys, fields))
                ctx.metrics.requests.inc({ op: fields['op'] ?? 'match' });
            }
          },
          afterBatch: pair,
        },
        abort.signal,
      );
      loops = Promise.all([consume, tickLoop()]);
    },
    stop() {
      stopping ??= (async () => {
        abort.abort();
        // Unblocks a pending XREADGROUP at once instead of waiting out its BLOCK.
        reader.disconnect();
        await loops;
        await running;
        http?.close();
        await redis.quit().catch(() => undefined);
      })();
      return stopping;
    },
  };
}
