import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { conv, createKeys, idFromMs, type StoredMessage } from '@chatfleet/common';
import { JsonClient, redisClient, startFleet, type Fleet } from '@chatfleet/common/testing';
import type { Redis } from 'ioredis';

describe('a DM whose session closed between routing and delivery', () => {
  let fleet: Fleet;
  let redis: Redis;
  before(async () => {
    fleet = await startFleet({ gateways: 1, matchmaker: false, historyWriter: false });
    redis = await redisClient(fleet.redis.url);
  });
  after(async () => {
    redis.disconnect();
    await fleet.stop();
  });

  it('is routed again and kept for the next welcome, even though the live route marked it', async () => {
    const keys = createKeys(fleet.prefix, 16);
    const [gw] = await redis.zrange(keys.gateways(), 0, 0);
    assert.ok(gw, 'the gateway heartbeats');
    const now = Date.now();
    const m: StoredMessage = {
      id: idFromMs(now),
      conv: conv.dm('sender', 'vanished'),
      from: 'sender',
      to: 'vanished',
      text: 'caught in flight',
      ts: now,
    };
    // What the live route leaves behind: the mark past this id, and the DM on its way.
    await redis.hset(keys.mailboxMark('vanished'), m.conv, String(m.id));
    await redis.publish(keys.control(gw), JSON.stringify({ k: 'dm', sid: `${gw}.999999`, m }));
    const { c, welcome } = await JsonClient.hello(fleet.gateways[0]!.tcpPort, 'vanished').catch(
      async () => {
        throw new Error('hello failed');
      },
    );
    assert.equal(welcome['nick'], 'vanished');
    // The retry may land just before or just after this welcome: either way it arrives once.
    const got = await c.next('dm', () => true, 3000);
    assert.equal(got['text'], 'caught in flight');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(c.frames.items.filter((f) => f.type === 'dm').length, 1);
    c.close();
  });
});
