import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import { claimNick, conv, createKeys, idFromMs } from '@chatfleet/store';
import type { StoredMessage } from '@chatfleet/protocol';
import {
  type Fleet,
  JsonClient,
  readMetric,
  redisClient,
  startFleet,
  waitUntil,
} from '@chatfleet/testing';

/** A stored DM as a sender's gateway would append it, before any routing. */
function unroutedDm(from: string, to: string, toIdent: string, text: string, now: number) {
  const dm: StoredMessage = {
    id: idFromMs(now),
    conv: conv.dm(`${from}-ident`, toIdent),
    from,
    to,
    toIdent,
    text,
    ts: now,
  };
  return dm;
}

describe('history-writer', () => {
  let fleet: Fleet;
  let port: number;
  let redis: Redis;
  before(async () => {
    fleet = await startFleet({
      gateways: 1,
      matchmaker: false,
      historyWriter: false,
      env: {
        RATE_PER_SEC: '1000',
        RATE_BURST: '1000',
        CLAIM_IDLE_MS: '1000',
        BATCH_SIZE: '7',
        HISTORY_MAX_COUNT: '1000',
      },
    });
    port = fleet.gateways[0]!.tcpPort;
    redis = await redisClient(fleet.redis.url);
  });
  after(async () => {
    redis.disconnect();
    await fleet.stop();
  });

  const keys = () => createKeys(fleet.prefix, 16);
  const history = async (c: string) =>
    (await redis.zrange(keys().history(c), 0, '-1')).map((r) => JSON.parse(r) as StoredMessage);

  it('killed mid-stream and restarted: history is complete and has no duplicates', async () => {
    let writer = await fleet.add('history-writer');
    const { c } = await JsonClient.hello(port, 'streamer');
    await c.request({ type: 'join', room: 'durable' });
    const ids: number[] = [];
    for (let i = 0; i < 90; i++) {
      c.send({ type: 'say', room: 'durable', text: `n${i}`, ref: `k${i}` });
      if (i === 30) await writer.stop('SIGKILL');
      if (i === 60) writer = await fleet.add('history-writer');
    }
    for (let i = 0; i < 90; i++)
      ids.push(Number((await c.next('message', (f) => f['ref'] === `k${i}`))['id']));
    await waitUntil(
      async () => (await history(conv.room('durable'))).length >= 90,
      15_000,
      'history to fill',
    );
    await new Promise((r) => setTimeout(r, 1500));
    const got = await history(conv.room('durable'));
    assert.deepEqual(
      got.map((m) => m.id),
      ids,
    );
    assert.deepEqual(
      got.map((m) => m.text),
      ids.map((_, i) => `n${i}`),
    );
    c.close();
    await writer.stop();
  });

  it('keeps a batch whose writes fail pending, counts it, and writes it once Redis takes it', async () => {
    const writer = await fleet.add('history-writer');
    const room = conv.room('refused');
    const { c } = await JsonClient.hello(port, 'refuser');
    await c.request({ type: 'join', room: 'refused' });
    // A key of the wrong type makes the batch's ZADD fail, as a full Redis would.
    await redis.set(keys().history(room), 'not a sorted set');
    await c.request({ type: 'say', room: 'refused', text: 'kept' });
    const errors = () => readMetric(writer.metricsPort, 'chat_history_writer_write_errors_total');
    await waitUntil(async () => (await errors()) >= 1, 10_000, 'the failed batch counted');
    await redis.del(keys().history(room));
    await waitUntil(
      async () => (await history(room)).some((m) => m.text === 'kept'),
      15_000,
      'the message written after all',
    );
    assert.ok((await readMetric(writer.metricsPort, 'chat_history_writer_batch_size_count')) >= 2);
    c.close();
    await writer.stop();
  });

  it('writes on when Redis has forgotten its scripts, as after a restart, with no failed batch', async () => {
    const writer = await fleet.add('history-writer');
    const room = conv.room('forgetful');
    const { c } = await JsonClient.hello(port, 'forgetter');
    await c.request({ type: 'join', room: 'forgetful' });
    const texts = async () => (await history(room)).map((m) => m.text);
    await c.request({ type: 'say', room: 'forgetful', text: 'before' });
    await waitUntil(async () => (await texts()).includes('before'), 10_000, 'the first write');
    await redis.script('FLUSH');
    await c.request({ type: 'say', room: 'forgetful', text: 'after' });
    await waitUntil(async () => (await texts()).includes('after'), 10_000, 'the write after');
    assert.deepEqual(await texts(), ['before', 'after']);
    assert.equal(await readMetric(writer.metricsPort, 'chat_history_writer_write_errors_total'), 0);
    c.close();
    await writer.stop();
  });

  it('shares the streams between two instances without losing or doubling anything', async () => {
    const writers = await Promise.all([fleet.add('history-writer'), fleet.add('history-writer')]);
    const { c } = await JsonClient.hello(port, 'twowriters');
    await c.request({ type: 'join', room: 'shared' });
    for (let i = 0; i < 60; i++)
      c.send({ type: 'say', room: 'shared', text: `w${i}`, ref: `w${i}` });
    const ids: number[] = [];
    for (let i = 0; i < 60; i++)
      ids.push(Number((await c.next('message', (f) => f['ref'] === `w${i}`))['id']));
    await waitUntil(
      async () => (await history(conv.room('shared'))).length >= 60,
      10_000,
      'history to fill',
    );
    assert.deepEqual(
      (await history(conv.room('shared'))).map((m) => m.id),
      ids,
    );
    c.close();
    for (const w of writers) assert.equal(await w.stop('SIGTERM'), 0);
  });

  it('takes over entries a dead consumer read but never acknowledged', async () => {
    const { c } = await JsonClient.hello(port, 'orphaner');
    await c.request({ type: 'join', room: 'orphans' });
    const k = keys();
    const stream = k.events(k.partitionOf(conv.room('orphans')));
    await redis.xgroup('CREATE', stream, 'history-writer', '$', 'MKSTREAM').catch(() => undefined);
    for (let i = 0; i < 5; i++) {
      c.send({ type: 'say', room: 'orphans', text: `o${i}`, ref: `o${i}` });
      await c.next('message', (f) => f['ref'] === `o${i}`);
    }
    // A consumer that read the batch and died before acknowledging it.
    const read = (await redis.xreadgroup(
      'GROUP',
      'history-writer',
      'dead-consumer',
      'COUNT',
      100,
      'STREAMS',
      stream,
      '>',
    )) as [string, unknown[]][];
    assert.ok((read[0]?.[1].length ?? 0) >= 5);
    await new Promise((r) => setTimeout(r, 1100));
    const writer = await fleet.add('history-writer');
    await waitUntil(
      async () => (await history(conv.room('orphans'))).length === 5,
      10_000,
      'orphaned entries to be materialized',
    );
    assert.ok((await readMetric(writer.metricsPort, 'chat_history_writer_reclaimed_total')) >= 5);
    const pending = (await redis.xpending(stream, 'history-writer')) as [number, ...unknown[]];
    assert.equal(pending[0], 0);
    c.close();
    await writer.stop();
  });

  it('keeps a DM in the mailbox when its sender never routed it, and trims old history', async () => {
    const writer = await fleet.add('history-writer', { HISTORY_MAX_COUNT: '3' });
    const k = keys();
    // The recipient was here and left: its nick is held for it, with its token.
    const first = await JsonClient.hello(port, 'inboxer');
    const token = String(first.welcome['token']);
    first.c.close();
    await waitUntil(
      async () => (await redis.hget(k.nick('inboxer'), 'gw')) === null,
      5000,
      'the nick to be held',
    );
    const ident = (await redis.hget(k.nick('inboxer'), 'ident')) ?? '';
    const now = Date.now();
    const dm = unroutedDm('ghostwriter', 'inboxer', ident, 'written by a gateway that died', now);
    await redis.xadd(k.events(k.partitionOf(dm.conv)), '*', 'c', dm.conv, 'm', JSON.stringify(dm));
    const room = conv.room('trimmed');
    const old = idFromMs(now - 40 * 24 * 3600 * 1000);
    for (const [i, id] of [
      old,
      old + 1,
      idFromMs(now) + 1,
      idFromMs(now) + 2,
      idFromMs(now) + 3,
      idFromMs(now) + 4,
    ].entries()) {
      const m: StoredMessage = {
        id,
        conv: room,
        room: 'trimmed',
        from: 'x',
        text: `t${i}`,
        ts: Math.floor(id / 1000),
      };
      await redis.xadd(k.events(k.partitionOf(room)), '*', 'c', room, 'm', JSON.stringify(m));
    }
    await waitUntil(
      async () => (await redis.zcard(k.mailbox('inboxer'))) === 1,
      10_000,
      'the DM to reach the mailbox',
    );
    const { c } = await JsonClient.hello(port, 'inboxer', token);
    assert.equal((await c.next('dm'))['text'], 'written by a gateway that died');
    await waitUntil(
      async () => (await history(room)).map((m) => m.text).join() === 't3,t4,t5',
      10_000,
      'retention by count and age',
    );
    c.close();
    await writer.stop();
  });
});

describe('a history-writer that has not watched Redis for a whole GATEWAY_TIMEOUT_MS yet', () => {
  it('routes an unrouted DM for a silent gateway’s user through that gateway, not into the mailbox', async () => {
    const fleet = await startFleet({ gateways: 0, matchmaker: false, historyWriter: false });
    try {
      const admin = await fleet.admin();
      const store = await fleet.store();
      const k = store.keys;
      // A user of a gateway last heard of long ago, still listed: how every gateway looks right
      // after an outage. Its reaper, if it did die, routes its inbox again.
      await admin.zadd(k.gateways(), 1, 'gw-hushed');
      await claimNick(store, {
        nick: 'hushed',
        gw: 'gw-hushed',
        sid: 'gw-hushed.1',
        gatewayTimeoutMs: 10_000,
      });
      const ident = (await admin.hget(k.nick('hushed'), 'ident')) ?? '';
      const dm = unroutedDm('sender', 'hushed', ident, 'routed by nobody', Date.now());
      await admin.xadd(
        k.events(k.partitionOf(dm.conv)),
        '*',
        'c',
        dm.conv,
        'm',
        JSON.stringify(dm),
      );
      const writer = await fleet.add('history-writer', { GATEWAY_TIMEOUT_MS: '20000' });
      await waitUntil(
        async () => (await admin.xlen(k.inbox('gw-hushed'))) === 1,
        10_000,
        'the DM in the silent gateway’s inbox',
      );
      assert.equal(await admin.zcard(k.mailbox('hushed')), 0);
      await writer.stop();
    } finally {
      await fleet.stop();
    }
  });
});
