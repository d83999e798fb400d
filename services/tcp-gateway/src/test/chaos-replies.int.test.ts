import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import { conv, createKeys } from '@chatfleet/store';
import {
  type Fleet,
  type Frame,
  JsonClient,
  sendSequence,
  startFleet,
  startRedis,
  type TestRedis,
  waitUntil,
  WsClient,
} from '@chatfleet/testing';

const ENV = { RATE_PER_SEC: '1000', RATE_BURST: '1000' };

describe('chaos: a join whose history is bigger than the slow-reader limit', () => {
  let fleet: Fleet;
  before(async () => {
    fleet = await startFleet({ gateways: 1, wsGateways: 1, matchmaker: false, env: ENV });
  });
  after(() => fleet.stop());

  it('keeps a client that reads slowly connected and gives it all 500 long messages', async () => {
    const port = fleet.gateways[0]!.tcpPort;
    const { c: poster } = await JsonClient.hello(port, 'poster');
    await poster.request({ type: 'join', room: 'long' });
    const acked = await sendSequence(poster, 'long', {
      count: 500,
      perSec: 100_000,
      tag: 'L',
      text: 'é'.repeat(1990),
    });
    assert.equal(acked.length, 500);

    const { c: plain } = await JsonClient.hello(port, 'plain');
    const joined = await plain.request({ type: 'join', room: 'long' });
    // The last 20, in parts: what fits in the reply, the rest as messages right after it.
    const inReply = (joined['history'] as Frame[]).length;
    assert.ok(inReply > 0 && inReply < 20);
    assert.equal(inReply + Number(joined['more']), 20);

    for (const kind of ['tcp', 'ws'] as const) {
      const c =
        kind === 'tcp'
          ? (await JsonClient.hello(port, 'slowtcp')).c
          : (await WsClient.hello(fleet.wsGateways[0]!.wsPort, 'slowws')).c;
      const reply = await c.request({ type: 'join', room: 'long', since: 0 });
      assert.equal(reply['recovered'], true);
      // Read nothing for a while: 3 MB is waiting, three times the 1 MiB slow-reader limit.
      if (c instanceof JsonClient) c.socket.pause();
      else (c.ws as unknown as { _socket: { pause(): void } })._socket.pause();
      await new Promise((r) => setTimeout(r, 1500));
      if (c instanceof JsonClient) c.socket.resume();
      else (c.ws as unknown as { _socket: { resume(): void } })._socket.resume();
      const ids = () =>
        c.frames.items.flatMap((f) =>
          f.type === 'joined' && f['room'] === 'long'
            ? (f['history'] as Frame[]).map((m) => Number(m['id']))
            : f.type === 'message' && f['room'] === 'long'
              ? [Number(f['id'])]
              : [],
        );
      await waitUntil(() => ids().length >= 500, 20_000, `${kind}: all 500 messages`);
      assert.deepEqual(
        ids(),
        acked.map((a) => a.id),
        `${kind}: every message once, in order`,
      );
      assert.equal((await c.request({ type: 'ping' }))['type'], 'pong', `${kind}: still here`);
      c.close();
    }
    for (const c of [poster, plain]) c.close();
  });
});

describe('chaos: exactly one reply per ref while Redis misbehaves', () => {
  let redis: TestRedis;
  let fleet: Fleet;
  let admin: Redis;
  before(async () => {
    redis = await startRedis({ args: ['--enable-debug-command', 'yes'] });
    // Every request must reach the misbehaving Redis: no room list from the gateway's cache.
    fleet = await startFleet({ gateways: 1, redis, env: { ...ENV, ROOM_LIST_CACHE_MS: '0' } });
    admin = await fleet.admin();
  });
  after(async () => {
    await fleet.stop();
    await redis.destroy();
  });

  const everyRequest = (room: string): Record<string, unknown>[] => [
    { type: 'hello', nick: `${room}-renamed` },
    { type: 'join', room },
    { type: 'say', room: 'home', text: 'during trouble' },
    { type: 'dm', to: 'someone', text: 'during trouble' },
    { type: 'match', tags: ['trouble'] },
    { type: 'next' },
    { type: 'rooms' },
    { type: 'who', room },
    { type: 'history', room: 'home' },
    { type: 'leave', room: 'home' },
    { type: 'ping' },
    { type: 'quit' },
  ];

  async function oneReplyEach(c: JsonClient, frames: Record<string, unknown>[], label: string) {
    const refs = frames.map((f, i) => {
      const ref = `${label}-${i}`;
      c.send({ ...f, ref });
      return ref;
    });
    await waitUntil(
      () => refs.every((ref) => c.frames.items.some((f) => f['ref'] === ref)),
      20_000,
      `a reply to every ${label} request`,
    );
    // Late copies (a say that ran after its timeout) must come without the ref.
    await new Promise((r) => setTimeout(r, 1500));
    for (const [i, ref] of refs.entries()) {
      const replies = c.frames.items.filter((f) => f['ref'] === ref);
      assert.equal(
        replies.length,
        1,
        `${label}: ${JSON.stringify(frames[i])} got ${replies.length}`,
      );
    }
    return refs.map((ref) => c.frames.items.find((f) => f['ref'] === ref)!);
  }

  it('answers every request once during DEBUG SLEEP, with unavailable where Redis did not answer', async () => {
    const { c } = await JsonClient.hello(fleet.gateways[0]!.tcpPort, 'sleeper');
    await c.request({ type: 'join', room: 'home' });
    // The admin client gives up after 3 s too; the server sleeps 4 s all the same.
    const sleeping = admin.call('DEBUG', 'SLEEP', '4').catch(() => undefined);
    await new Promise((r) => setTimeout(r, 100));
    const replies = await oneReplyEach(c, everyRequest('dream'), 'sleep');
    await sleeping;
    assert.equal(replies.find((r) => r.type === 'pong')?.type, 'pong');
    assert.ok(replies.some((r) => r['code'] === 'unavailable'));
    assert.ok(!replies.some((r) => r['code'] === 'internal'));
  });

  it('answers internal, once, when Redis refuses a command (WRONGTYPE)', async () => {
    const keys = createKeys(fleet.prefix, 16);
    const { c } = await JsonClient.hello(fleet.gateways[0]!.tcpPort, 'wrongtyped');
    await c.request({ type: 'join', room: 'home' });
    // Plant keys of the wrong type where each request will look.
    await admin.set(keys.members(conv.room('broken')), 'x');
    await admin.set(keys.window(conv.room('home')), 'x');
    await admin.set(keys.matchRequests(), 'x');
    await admin.set(keys.roomIndex(), 'x');
    await admin.set(keys.nick('broken-renamed'), 'x');
    await admin.set(keys.nick('someone'), 'x');
    const replies = await oneReplyEach(c, everyRequest('broken'), 'wrong');
    const byType = (t: string) => replies[everyRequest('broken').findIndex((f) => f['type'] === t)];
    for (const t of ['hello', 'join', 'say', 'dm', 'match', 'rooms', 'who', 'history'])
      assert.equal(
        byType(t)?.['code'],
        'internal',
        `${t} says internal: ${JSON.stringify(byType(t))}`,
      );
    assert.equal(byType('ping')?.type, 'pong');
    assert.equal(byType('quit')?.type, 'bye');
  });
});
