import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import { type Fleet, JsonClient, startFleet, waitUntil, WsClient } from '@chatfleet/testing';

const status = async (port: number) => (await fetch(`http://127.0.0.1:${port}/healthz`)).status;

describe('chaos: /healthz tells the truth about the subscriber', () => {
  let fleet: Fleet;
  let admin: Redis;
  before(async () => {
    fleet = await startFleet({
      gateways: 1,
      wsGateways: 1,
      matchmaker: false,
      historyWriter: false,
    });
    admin = await fleet.admin();
  });
  after(() => fleet.stop());

  it('answers 503 while the subscriber cannot resubscribe, and 200 once it has', async () => {
    const tcp = fleet.gateways[0]!.metricsPort;
    const ws = fleet.wsGateways[0]!;
    const wsHealth = `http://127.0.0.1:${ws.wsPort}/healthz`;
    assert.equal(await status(tcp), 200);
    // A subscriber with a room to listen to (one with none is not a Pub/Sub client yet).
    const { c } = await JsonClient.hello(fleet.gateways[0]!.tcpPort, 'healthy');
    const { c: w } = await WsClient.hello(ws.wsPort, 'healthyweb');
    for (const x of [c, w]) await x.request({ type: 'join', room: 'pulse' });
    // Drop the subscribers, then freeze every client for 6 s: they reconnect but cannot resubscribe.
    await admin
      .pipeline()
      .call('CLIENT', 'KILL', 'TYPE', 'pubsub')
      .call('CLIENT', 'PAUSE', '6000', 'ALL')
      .exec();
    await waitUntil(async () => (await status(tcp)) === 503, 6000, 'tcp-gateway /healthz 503');
    const res = await fetch(wsHealth);
    assert.equal(res.status, 503);
    const body = (await res.json()) as { status: string; problems: string[] };
    assert.equal(body.status, 'degraded');
    assert.match(body.problems.join(), /subscriber down/);
    await waitUntil(async () => (await status(tcp)) === 200, 10_000, 'tcp-gateway /healthz 200');
    await waitUntil(async () => (await fetch(wsHealth)).status === 200, 10_000, 'ws /healthz 200');
    c.close();
    w.close();
  });
});
