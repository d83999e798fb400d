import { after, before, describe, it } from 'node:test';
import {
  type Fleet,
  LineClient,
  startFleet,
  startRedis,
  type TestRedis,
  waitUntil,
} from '@chatfleet/testing';

describe('text mode greeting while Redis is away', () => {
  let redis: TestRedis;
  let fleet: Fleet;
  before(async () => {
    redis = await startRedis();
    fleet = await startFleet({ gateways: 1, redis, matchmaker: false });
  });
  after(async () => {
    await fleet.stop();
    await redis.destroy();
  });

  it('greets again before the first command once Redis is back, and only once', async () => {
    const g = fleet.gateways[0]!;
    await redis.stop();
    const c = await LineClient.connect(g.tcpPort);
    c.write('\n');
    // The greeting fails while Redis is away: the user is told.
    await c.waitLine(/^! (unavailable|internal)/, 15_000);
    await redis.start();
    // /healthz stays 200 through a short outage (HEALTH_GRACE_MS): wait for the connection.
    const healthy = async () => {
      const r = await fetch(`http://127.0.0.1:${g.metricsPort}/healthz`).catch(() => undefined);
      return ((await r?.json()) as { redis?: string } | undefined)?.redis === 'ready';
    };
    await waitUntil(healthy, 15_000, 'gateway healthy again');
    c.line('/join back');
    await c.waitLine(/^\* welcome to chatfleet, you are guest-/);
    await c.waitLine(/^\* joined back \(1 here: guest-/);
    c.line('/join again');
    await c.waitLine(/^\* joined again/);
    const welcomes = c.lines.items.filter((l) => l.startsWith('* welcome to chatfleet'));
    if (welcomes.length !== 1)
      throw new Error(`greeted ${welcomes.length} times:\n${c.lines.items.join('\n')}`);
    c.close();
  });
});
