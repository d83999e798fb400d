import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { createLogger, createRedisMetrics, createRegistry } from '@chatfleet/runtime';
import {
  conv,
  DEFAULT_STORE_LIMITS,
  type GatewayBackend,
  type LiveEnvelope,
  redisGatewayBackend,
} from '@chatfleet/store';
import { waitUntil } from '../ports.js';
import { redisClient, startRedis, type TestRedis } from '../redis-server.js';

type Heard = { conv: string; env: LiveEnvelope | undefined };

/** A backend on a fresh prefix, and what its broker's one listener heard. */
async function open(redis: TestRedis) {
  const backend: GatewayBackend = redisGatewayBackend({
    url: redis.url,
    service: 'broker-test',
    prefix: `t${randomBytes(4).toString('hex')}`,
    partitions: 4,
    limits: DEFAULT_STORE_LIMITS,
    clockSkewMs: 0,
    log: createLogger('broker-test', 'silent'),
    metrics: createRedisMetrics(createRegistry('broker-test', 'test'), [
      'commands',
      'subscriber',
      'blocking',
    ]),
  });
  const heard: Heard[] = [];
  const links: string[] = [];
  backend.broker.listen({
    message: (c, env) => heard.push({ conv: c, env }),
    down: () => links.push('down'),
    up: () => links.push('up'),
  });
  await backend.connect();
  return { backend, heard, links };
}

const say = (b: GatewayBackend, room: string, text: string) =>
  b.broker.publish({ conv: conv.room(room), room, from: 'ada', text, publish: true, sid: 's1' });

const backendKey = (b: GatewayBackend, kind: 'pos' | 'recent', c: string) => b.store.keys[kind](c);

const texts = (heard: Heard[], room: string) =>
  heard.flatMap((h) => (h.conv === conv.room(room) && h.env?.k === 'm' ? [h.env.m.text] : []));

// What the gateway core relies on of a ConversationBroker and a Presence, checked on the Redis
// implementations over a real redis-server. Another backend (Redis Cluster) must pass the same.
describe('the Redis backend keeps the broker and presence contracts', () => {
  let redis: TestRedis;
  let admin: Redis;
  before(async () => {
    redis = await startRedis();
    admin = await redisClient(redis.url);
  });
  after(async () => {
    admin.disconnect();
    await redis.destroy();
  });

  it('hands a message to the listener once its subscription is confirmed, stamped in order', async () => {
    const { backend, heard } = await open(redis);
    assert.ok(backend.broker.connected());
    await backend.broker.subscribe([conv.room('tea')]);
    const m1 = await say(backend, 'tea', 'one');
    const m2 = await say(backend, 'tea', 'two');
    assert.deepEqual([m1.seq, m2.seq], [1, 2]);
    assert.ok(m2.id > m1.id && m1.epoch !== '' && m2.epoch === m1.epoch);
    await waitUntil(() => texts(heard, 'tea').length === 2, 5000, 'both messages');
    const envs = heard.map((h) => h.env);
    assert.deepEqual(
      envs.map((e) => (e?.k === 'm' ? [e.m.id, e.m.seq, e.e] : e?.k)),
      [
        [m1.id, 1, m1.epoch],
        [m2.id, 2, m1.epoch],
      ],
    );
    await backend.close();
  });

  it('stops handing over a conversation once unsubscribed', async () => {
    const { backend, heard } = await open(redis);
    await backend.broker.subscribe([conv.room('a'), conv.room('b')]);
    backend.broker.unsubscribe(conv.room('a'));
    await say(backend, 'a', 'not for us');
    await say(backend, 'b', 'for us');
    // One publisher, one subscriber connection: b's message comes after a's would have.
    await waitUntil(() => texts(heard, 'b').length === 1, 5000, "b's message");
    assert.deepEqual(texts(heard, 'a'), []);
    await backend.close();
  });

  it('says down when the connection drops, up when it is back, and holds no subscription after', async () => {
    const { backend, heard, links } = await open(redis);
    await backend.broker.subscribe([conv.room('kill')]);
    await admin.client('KILL', 'TYPE', 'pubsub');
    await waitUntil(() => links.includes('down') && links.at(-1) === 'up', 10_000, 'down, then up');
    assert.ok(backend.broker.connected());
    await say(backend, 'kill', 'while unsubscribed');
    await backend.broker.subscribe([conv.room('kill')]);
    await say(backend, 'kill', 'after subscribing again');
    await waitUntil(() => texts(heard, 'kill').length > 0, 5000, 'a message after resubscribing');
    assert.deepEqual(texts(heard, 'kill'), ['after subscribing again']);
    await backend.close();
  });

  it('catches up from an id: the position, and every message after it in order', async () => {
    const { backend } = await open(redis);
    const c = conv.room('window');
    assert.deepEqual(await backend.broker.position(c), { epoch: '', seq: 0, id: 0 });
    const sent = [];
    for (const t of ['x', 'y', 'z']) sent.push(await say(backend, 'window', t));
    const got = await backend.broker.catchUp(c, { epoch: sent[0]!.epoch, id: sent[0]!.id });
    assert.deepEqual(
      got.messages.map((m) => m.text),
      ['y', 'z'],
    );
    assert.deepEqual(got.pos, { epoch: sent[0]!.epoch, seq: 3, id: sent[2]!.id });
    assert.deepEqual(await backend.broker.position(c), got.pos);
    await backend.close();
  });

  it('starts a new epoch when the caller saw a message Redis no longer has', async () => {
    const { backend } = await open(redis);
    const c = conv.room('failover');
    const kept = await say(backend, 'failover', 'kept');
    // What a failover to a replica that lagged leaves: the last message and its position gone.
    const snapshot = await admin.hgetall(backendKey(backend, 'pos', c));
    const lost = await say(backend, 'failover', 'lost');
    await admin.zremrangebyscore(backendKey(backend, 'recent', c), lost.id, lost.id);
    await admin.hset(backendKey(backend, 'pos', c), snapshot);
    const got = await backend.broker.catchUp(c, { epoch: lost.epoch, id: lost.id });
    assert.notEqual(got.pos.epoch, kept.epoch);
    assert.equal(got.pos.seq, 0);
    assert.deepEqual(got.messages, []);
    // Seq starts again in the new epoch; ids stay above everything anyone saw.
    const next = await say(backend, 'failover', 'next');
    assert.deepEqual([next.epoch, next.seq], [got.pos.epoch, 1]);
    assert.ok(next.id > lost.id);
    // A caller that saw only what Redis kept changes nothing.
    const again = await backend.broker.catchUp(c, { epoch: next.epoch, id: next.id });
    assert.deepEqual(again.pos, { epoch: next.epoch, seq: 1, id: next.id });
    await backend.close();
  });

  it('stamps the first message after a loss in a new epoch instead of reusing a seq', async () => {
    const { backend } = await open(redis);
    const c = conv.room('resend');
    await say(backend, 'resend', 'one');
    const snapshot = await admin.hgetall(backendKey(backend, 'pos', c));
    const lost = await say(backend, 'resend', 'two');
    await admin.zremrangebyscore(backendKey(backend, 'recent', c), lost.id, lost.id);
    await admin.hset(backendKey(backend, 'pos', c), snapshot);
    const m = await backend.broker.publish({
      conv: c,
      room: 'resend',
      from: 'ada',
      text: 'three',
      publish: true,
      sid: 's1',
      seen: { epoch: lost.epoch, id: lost.id },
    });
    assert.notEqual(m.epoch, lost.epoch);
    assert.equal(m.seq, 1);
    assert.ok(m.id > lost.id);
    await backend.close();
  });

  it('tells the room of joins and leaves, in order with its messages', async () => {
    const { backend, heard } = await open(redis);
    const { presence, broker } = backend;
    await broker.subscribe([conv.room('hall')]);
    const j = await presence.join('hall', 'ada', 's1');
    assert.equal(j.count, 1);
    await say(backend, 'hall', 'hello');
    await presence.join('hall', 'bob', 's2');
    assert.deepEqual(await presence.members('hall'), ['ada', 'bob']);
    // Only the session holding the place can give it up.
    assert.equal(await presence.leave('hall', 'bob', 'someone-else'), -1);
    assert.equal(await presence.leave('hall', 'bob', 's2'), 1);
    assert.deepEqual(await presence.members('hall'), ['ada']);
    await waitUntil(() => heard.length >= 4, 5000, 'presence and the message');
    assert.deepEqual(
      heard.map((h) => (h.env?.k === 'p' ? `${h.env.event} ${h.env.nick}` : h.env?.k)),
      ['join ada', 'm', 'join bob', 'leave bob'],
    );
    await backend.close();
  });
});
