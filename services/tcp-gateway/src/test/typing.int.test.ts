import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { conv, createKeys, type Keys } from '@chatfleet/store';
import { type Fleet, JsonClient, LineClient, startFleet } from '@chatfleet/testing';

const typings = (c: JsonClient) => c.frames.items.filter((f) => f.type === 'typing');

async function inRoom(port: number, nick: string, room: string): Promise<JsonClient> {
  const { c } = await JsonClient.hello(port, nick);
  await c.request({ type: 'join', room });
  return c;
}

describe('typing indicators', () => {
  let fleet: Fleet;
  let p1: number;
  let p2: number;
  let redis: Redis;
  let keys: Keys;
  before(async () => {
    fleet = await startFleet({ gateways: 2, env: { MATCH_WIDEN_MS: '0' } });
    [p1, p2] = fleet.gateways.map((g) => g.tcpPort) as [number, number];
    redis = await fleet.admin();
    keys = createKeys(fleet.prefix, 16);
  });
  after(() => fleet.stop());

  it('relays typing to the others in a room across gateways, once per 2 s, and stores nothing', async () => {
    const a = await inRoom(p1, 'typist', 'tea');
    const b = await inRoom(p2, 'reader', 'tea');
    const nc = await LineClient.connect(p2);
    await nc.waitLine('* welcome');
    nc.line('/join tea');
    await nc.waitLine('* joined tea');
    const pos = await redis.hgetall(keys.pos(conv.room('tea')));
    a.send({ type: 'typing', room: 'tea' });
    assert.deepEqual(await b.next('typing', () => true, 2000), {
      type: 'typing',
      room: 'tea',
      nick: 'typist',
    });
    // More keystrokes within 2 s are not relayed; after 2 s the next one is.
    for (let i = 0; i < 5; i++) a.send({ type: 'typing', room: 'tea' });
    await sleep(800);
    assert.equal(typings(b).length, 1);
    await sleep(1400);
    a.send({ type: 'typing', room: 'tea' });
    await b.next('typing', () => true, 2000);
    assert.equal(typings(b).length, 2);
    // The typist does not see itself; nothing was stored or counted as a message.
    assert.equal(typings(a).length, 0);
    assert.deepEqual(await redis.hgetall(keys.pos(conv.room('tea'))), pos);
    assert.equal((await redis.lrange(keys.window(conv.room('tea')), 0, -1)).length, 0);
    // Text mode stays quiet: the next line nc sees is the message, not a typing line.
    await a.request({ type: 'say', room: 'tea', text: 'done typing' });
    assert.match(await nc.waitLine('done typing'), /\[tea\] <typist> done typing/);
    assert.ok(!nc.lines.items.some((l) => /typing/.test(l) && !l.includes('done typing')));
    for (const c of [a, b, nc]) c.close();
  });

  it('never shows typing across a block, either way, in a room or a DM', async () => {
    const x = await inRoom(p1, 'blocker1', 'cafe');
    const y = await inRoom(p2, 'blocked1', 'cafe');
    const z = await inRoom(p2, 'third1', 'cafe');
    assert.equal((await x.request({ type: 'block', nick: 'blocked1' }))['type'], 'blocked');
    y.send({ type: 'typing', room: 'cafe' });
    await z.next('typing', (f) => f['nick'] === 'blocked1', 2000);
    x.send({ type: 'typing', room: 'cafe' });
    await z.next('typing', (f) => f['nick'] === 'blocker1', 2000);
    y.send({ type: 'typing', to: 'blocker1' });
    x.send({ type: 'typing', to: 'blocked1' });
    await sleep(1000);
    assert.equal(typings(x).length, 0, 'the blocker sees nothing of the blocked');
    assert.equal(typings(y).length, 0, 'the blocked sees nothing of the blocker');
    for (const c of [x, y, z]) c.close();
  });

  it('relays typing in a DM to the partner on another gateway, and in a match', async () => {
    const { c: d1 } = await JsonClient.hello(p1, 'dmtyper');
    const { c: d2 } = await JsonClient.hello(p2, 'dmreader');
    d1.send({ type: 'typing', to: 'dmreader' });
    assert.deepEqual(await d2.next('typing', () => true, 2000), {
      type: 'typing',
      nick: 'dmtyper',
    });
    // Nobody by that name: the answer a dm gets.
    assert.equal((await d1.request({ type: 'typing', to: 'ghost-zz' }))['code'], 'no_such_nick');
    d1.send({ type: 'match' });
    d2.send({ type: 'match' });
    const m = await d1.next('matched', () => true, 8000);
    await d2.next('matched', () => true, 8000);
    d2.send({ type: 'typing', room: m['room'] });
    assert.deepEqual(await d1.next('typing', (f) => f['room'] === m['room'], 2000), {
      type: 'typing',
      room: m['room'],
      nick: 'dmreader',
    });
    for (const c of [d1, d2]) c.close();
  });

  it('refuses typing where the client is not, and a frame that names both or neither', async () => {
    const { c } = await JsonClient.hello(p1, 'wrongplace');
    assert.equal((await c.request({ type: 'typing', room: 'notjoined' }))['code'], 'not_in_room');
    assert.equal((await c.request({ type: 'typing', room: 'm-1' }))['code'], 'not_matched');
    assert.equal((await c.request({ type: 'typing' }))['code'], 'bad_frame');
    assert.equal((await c.request({ type: 'typing', room: 'a', to: 'b' }))['code'], 'bad_frame');
    assert.equal((await c.request({ type: 'typing', to: 'wrongplace' }))['code'], 'forbidden');
    c.close();
  });
});
