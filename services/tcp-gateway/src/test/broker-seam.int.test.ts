import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatewayContextFromConfig } from '@chatfleet/gateway-core';
import { createLogger } from '@chatfleet/runtime';
import type { ConversationBroker } from '@chatfleet/store';
import { type Fleet, JsonClient, sendSequence, startFleet, waitForAll } from '@chatfleet/testing';
import { readConfig } from '../config.js';
import { createTcpGateway, type TcpGateway } from '../tcp-gateway.js';

/** The Redis broker, losing some live messages as Pub/Sub may, on a connection that stays up. */
function lossy(inner: ConversationBroker, lose: (seq: number) => boolean) {
  const lost: number[] = [];
  const broker: ConversationBroker = Object.assign(Object.create(inner) as ConversationBroker, {
    listen: (l: Parameters<ConversationBroker['listen']>[0]) =>
      inner.listen({
        ...l,
        message: (conv, env) => {
          const seq = env?.k === 'm' ? env.m.seq : undefined;
          if (seq !== undefined && lose(seq)) return void lost.push(seq);
          l.message(conv, env);
        },
      }),
  });
  return { broker, lost };
}

/**
 * A fleet with one tcp-gateway process, and a gateway in this process behind a broker that
 * loses the live messages `lose` picks.
 */
async function startLossy(env: Record<string, string>, lose: (seq: number) => boolean) {
  const fleet = await startFleet({ gateways: 1, matchmaker: false });
  const config = readConfig({
    ...fleet.env,
    TCP_HOST: '127.0.0.1',
    TCP_PORT: '0',
    METRICS_PORT: '0',
    ...env,
  });
  const log = createLogger('tcp-gateway', 'silent');
  const names = { service: 'tcp-gateway', transport: 'tcp' };
  const { backend } = gatewayContextFromConfig(config, log, names);
  const l = lossy(backend.broker, lose);
  const gw = createTcpGateway(config, log, { backend: { ...backend, broker: l.broker } });
  await gw.start();
  return { fleet, gw, lost: l.lost };
}

// The gateway core is written against the ConversationBroker seam, and a gateway's context
// takes another one in `overrides`. Here it is the Redis broker dropping some live messages
// outright (no disconnect to give it away): only seq tells the gateway it missed them.
describe('a gateway behind a broker that loses live messages', () => {
  let fleet: Fleet;
  let gw: TcpGateway;
  let lost: number[];
  before(async () => {
    // Every seventh message of the first 50 is lost; the last ones always arrive, so each loss
    // is followed by a message whose seq shows the hole.
    ({ fleet, gw, lost } = await startLossy(
      { RATE_PER_SEC: '1000', RATE_BURST: '1000' },
      (seq) => seq < 50 && seq % 7 === 3,
    ));
  });
  after(async () => {
    await gw.stop();
    await fleet.stop();
  });

  it('reads the messages it missed from the window and delivers all, in order, once', async () => {
    const { c: sender } = await JsonClient.hello(fleet.gateways[0]!.tcpPort, 'seam-s');
    const { c: listener } = await JsonClient.hello(gw.tcpPort(), 'seam-l');
    for (const c of [sender, listener])
      await c.frames.request((f) => c.send(f), { type: 'join', room: 'seam' });
    const acked = await sendSequence(sender, 'seam', { count: 60, perSec: 100, tag: 'seam' });
    assert.equal(acked.length, 60);
    const r = await waitForAll(listener.frames, 'seam', acked, 15_000);
    assert.ok(lost.length >= 7, `the broker lost ${lost.length} messages`);
    assert.deepEqual(r.missing, []);
    assert.deepEqual(r.duplicates, []);
    assert.ok(r.inOrder);
    assert.deepEqual(r.resyncs, [], 'told of a loss the window could still fill');
    sender.close();
    listener.close();
  });
});

// Nothing follows the lost message, so no seq shows the hole: the periodic position check
// (POSITION_CHECK_MS) finds the conversation behind and catches it up.
describe('a gateway whose broker loses the last message of a burst', () => {
  let fleet: Fleet;
  let gw: TcpGateway;
  let lost: number[];
  before(async () => {
    ({ fleet, gw, lost } = await startLossy({ POSITION_CHECK_MS: '300' }, (seq) => seq === 5));
  });
  after(async () => {
    await gw.stop();
    await fleet.stop();
  });

  it('delivers it after the next position check', async () => {
    const { c: sender } = await JsonClient.hello(fleet.gateways[0]!.tcpPort, 'tail-s');
    const { c: listener } = await JsonClient.hello(gw.tcpPort(), 'tail-l');
    for (const c of [sender, listener])
      await c.frames.request((f) => c.send(f), { type: 'join', room: 'tail' });
    const acked = await sendSequence(sender, 'tail', { count: 5, perSec: 50, tag: 'tail' });
    const r = await waitForAll(listener.frames, 'tail', acked, 5000);
    assert.deepEqual(lost, [5]);
    assert.deepEqual(r.missing, []);
    assert.deepEqual(r.duplicates, []);
    assert.deepEqual(r.resyncs, []);
    sender.close();
    listener.close();
  });
});
