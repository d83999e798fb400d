import { setTimeout as sleep } from 'node:timers/promises';
import { fieldsOf, runConsumerGroup } from '@chatfleet/store';
import type { Logger, Service } from '@chatfleet/runtime';
import type { MatchmakerConfig } from './config.js';
import { GROUP, type MatchmakerContext, matchmakerContextFromConfig } from './context.js';
import { pairPass } from './pair-pass.js';
import { applyRequest } from './queue.js';

export interface Matchmaker extends Service {
  metricsPort(): number;
}

/** The bounded label of a request: a match the fleet made again on its own is a requeue. */
const requestOp = (f: Record<string, string>): string =>
  f['op'] === 'cancel' || f['op'] === 'update'
    ? f['op']
    : f['why'] === 'requeue'
      ? 'requeue'
      : 'match';

/** Pairs strangers: applies requests from the stream, pairs on every batch and every tick. */
export function createMatchmaker(
  config: MatchmakerConfig,
  log: Logger,
  overrides: Partial<MatchmakerContext> = {},
): Matchmaker {
  const ctx = matchmakerContextFromConfig(config, log, overrides);
  const { runtime: rt, redis, reader } = ctx;
  const { signal } = rt;

  // One pass at a time in this process; a pass asked for meanwhile runs right after.
  let running: Promise<void> | undefined;
  let again = false;
  const pair = async (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        // Each pass tells how long Redis has held (the next pass judges silence by it).
        const started = performance.now();
        await pairPass(ctx).then(
          () => ctx.redisHeld.ok(started),
          (err: unknown) => {
            ctx.redisHeld.failed();
            log.warn({ err: String(err) }, 'pairing pass failed');
          },
        );
      } while (again && !signal.aborted);
    })();
    await running;
    running = undefined;
  };

  const tickLoop = async () => {
    while (!signal.aborted) {
      await pair();
      await sleep(config.tickMs, undefined, { signal }).catch(() => undefined);
    }
  };

  const consume = () =>
    runConsumerGroup(
      {
        redis,
        reader,
        streams: [ctx.keys.matchRequests()],
        group: GROUP,
        consumer: config.consumer,
        claimIdleMs: config.claimIdleMs,
        count: 200,
        log,
        handle: async (entries) => {
          for (const [id, flat] of entries) {
            const fields = fieldsOf(flat);
            if (await applyRequest(redis, ctx.keys, id, fields))
              ctx.metrics.requests.inc({ op: requestOp(fields) });
          }
        },
        afterBatch: pair,
      },
      signal,
    );

  return {
    metricsPort: rt.metricsPort,
    start: () => rt.start(() => [consume(), tickLoop()]),
    async stop() {
      await rt.stop();
      await running;
    },
  };
}
