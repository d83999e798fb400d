import assert from 'node:assert/strict';
import { type Fleet, JsonClient, readMetric } from '@chatfleet/testing';

/**
 * Users an outage must leave alone, on a fleet's first two gateways: `a` (first) and `b`
 * (second) in room `stay`, and `w` (second) waiting for a stranger.
 */
export async function outageScene(fleet: Fleet, tag: string) {
  const [g1, g2] = fleet.gateways;
  const { c: a } = await JsonClient.hello(g1!.tcpPort, `${tag}a`);
  const { c: b } = await JsonClient.hello(g2!.tcpPort, `${tag}b`);
  for (const c of [a, b]) await c.request({ type: 'join', room: 'stay' });
  const { c: w } = await JsonClient.hello(g2!.tcpPort, `${tag}w`);
  w.send({ type: 'match' });
  await w.next('waiting');
  return {
    a,
    b,
    /** No gateway was declared dead, and nobody was sent away. */
    async expectNobodyGone(): Promise<void> {
      for (const g of fleet.gateways)
        assert.equal(await readMetric(g.metricsPort, 'chat_gateway_declared_dead_total'), 0);
      for (const c of [a, b, w])
        assert.deepEqual(
          c.frames.items.filter((f) => f.type === 'bye'),
          [],
          'a user was sent away',
        );
    },
    /** The waiting ticket was kept: a newcomer is matched with the one who waited. Closes all. */
    async expectStillMatched(): Promise<void> {
      const { c: n } = await JsonClient.hello(g1!.tcpPort, `${tag}n`);
      n.send({ type: 'match' });
      const matched = await n.next('matched', () => true, 8000);
      assert.equal(matched['partner'], `${tag}w`);
      for (const c of [a, b, w, n]) c.close();
    },
  };
}
