import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, createRedisMetrics, createRegistry } from '@chatfleet/runtime';
import {
  type BrokerListener,
  type ConversationBroker,
  conv,
  DEFAULT_STORE_LIMITS,
  type GatewayBackend,
  type LiveEnvelope,
  redisGatewayBackend,
} from '@chatfleet/store';
import { startRedis, type TestRedis, waitUntil } from '@chatfleet/testing';
import { createGatewayMetrics } from '../metrics/gateway-metrics.js';
import { Subscriptions } from './subscriptions.js';

/**
 * The Redis broker, with its catch-up reads held at a gate the test opens, and its listener
 * in the test's hands, so a drop can be made to land at one exact moment.
 */
function gatedBroker(real: ConversationBroker) {
  let listener: BrokerListener | undefined;
  let gate: Promise<void> | undefined;
  let open = () => {};
  let reads = 0;
  const broker: ConversationBroker = {
    publish: (m) => real.publish(m),
    position: (c) => real.position(c),
    async positions(cs) {
      const read = await real.positions(cs);
      // Answers what it read, but only once the gate opens: as a slow round trip would.
      if (gate) await gate;
      return read;
    },
    async catchUp(c, from) {
      reads++;
      if (gate) await gate;
      return real.catchUp(c, from);
    },
    listen(l) {
      listener = l;
      real.listen(l);
    },
    connected: () => real.connected(),
    subscribe: (cs) => real.subscribe(cs),
    unsubscribe: (c) => real.unsubscribe(c),
    status: () => real.status(),
  };
  return {
    broker,
    reads: () => reads,
    hold() {
      gate = new Promise((resolve) => (open = resolve));
    },
    release() {
      gate = undefined;
      open();
    },
    /** What the broker says when a conversation's subscription dropped and came back. */
    bounce(c: string) {
      listener?.down([c]);
      listener?.up([c]);
    },
  };
}

/**
 * This gateway's Subscriptions over `broker`, listening to one room as one session: the texts
 * it dispatched, in order, and a way to say something there.
 */
async function listening(backend: GatewayBackend, broker: ConversationBroker, room: string) {
  const metrics = createGatewayMetrics(createRegistry('subs-test'), 'tcp');
  const dispatched: string[] = [];
  const subs = new Subscriptions({
    broker,
    log: createLogger('subs-test', 'silent'),
    metrics,
    joinWaitMs: 5000,
    dispatch: (_c, env: LiveEnvelope) => {
      if (env.k === 'm') dispatched.push(env.m.text);
    },
  });
  await subs.start();
  const c = conv.room(room);
  await subs.add(c, room, 'sid-1');
  const say = (text: string) =>
    backend.broker.publish({ conv: c, room, from: 'ada', text, publish: true, sid: 's1' });
  return { subs, metrics, dispatched, c, say, stop: () => subs.remove(c, 'sid-1') };
}

describe('Subscriptions over the Redis broker', () => {
  let redis: TestRedis;
  let backend: GatewayBackend;
  before(async () => {
    redis = await startRedis();
    backend = redisGatewayBackend({
      url: redis.url,
      service: 'subs-test',
      prefix: 'subs',
      partitions: 4,
      limits: DEFAULT_STORE_LIMITS,
      clockSkewMs: 0,
      log: createLogger('subs-test', 'silent'),
      metrics: createRedisMetrics(createRegistry('subs-test'), [
        'commands',
        'subscriber',
        'blocking',
      ]),
    });
    await backend.connect();
  });
  after(async () => {
    await backend.close();
    await redis.destroy();
  });

  it('goes live again when a conversation drops twice while its first catch-up is in flight', async () => {
    const gated = gatedBroker(backend.broker);
    const { dispatched, c, say, stop } = await listening(backend, gated.broker, 'twice');
    await say('one');
    await waitUntil(() => dispatched.includes('one'), 5000, 'the first message live');

    gated.hold();
    const before = gated.reads();
    gated.bounce(c);
    await waitUntil(() => gated.reads() > before, 5000, 'the first catch-up under way');
    // Dropped again while that read is in flight: it proves nothing any more.
    gated.bounce(c);
    await say('two');
    gated.release();
    await waitUntil(() => dispatched.includes('two'), 5000, 'the message said meanwhile');
    await say('three');
    await waitUntil(() => dispatched.includes('three'), 5000, 'live again');
    assert.deepEqual(dispatched, ['one', 'two', 'three']);
    stop();
  });

  it('does not take a message dispatched while a position check was in flight for a loss', async () => {
    const gated = gatedBroker(backend.broker);
    const { subs, metrics, dispatched, say, stop } = await listening(backend, gated.broker, 'busy');
    await say('first');
    await waitUntil(() => dispatched.includes('first'), 5000, 'the first message');
    gated.hold();
    const check = subs.checkPositions();
    await say('during the check');
    await waitUntil(() => dispatched.includes('during the check'), 5000, 'the second message');
    gated.release();
    await check;
    const outOfStep = (await metrics.positionsOutOfStep.get()).values.reduce(
      (n, v) => n + v.value,
      0,
    );
    assert.equal(outOfStep, 0, 'a position read before the message was taken for a loss');
    stop();
  });
});
