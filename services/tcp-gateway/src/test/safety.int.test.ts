import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { createKeys, fieldsOf, type Keys } from '@chatfleet/store';
import { type Fleet, JsonClient, LineClient, startFleet, waitUntil } from '@chatfleet/testing';

/** Two clients matched with each other. */
async function pair(port: number, a: string, b: string) {
  const { c: x } = await JsonClient.hello(port, a);
  const { c: y } = await JsonClient.hello(port, b);
  x.send({ type: 'match' });
  await x.next('waiting');
  y.send({ type: 'match' });
  const mx = await x.next('matched', () => true, 5000);
  await y.next('matched', () => true, 5000);
  return { x, y, room: String(mx['room']) };
}

/** The reports moderators would read, newest last. */
async function reports(admin: Redis, keys: Keys) {
  const entries = await admin.xrange(keys.reports(), '-', '+');
  return entries.map(([, fields]) => fieldsOf(fields));
}

describe('safety: block and report', () => {
  let fleet: Fleet;
  let port: number;
  let admin: Redis;
  let keys: Keys;
  before(async () => {
    // No repeat block and no wait to move on: only a block can keep two people apart here.
    const env = { MATCH_REPEAT_BLOCK_MS: '0', NEXT_INTERVAL_MS: '0', MATCH_WIDEN_MS: '0' };
    fleet = await startFleet({ gateways: 1, env });
    port = fleet.gateways[0]!.tcpPort;
    admin = await fleet.admin();
    keys = createKeys(fleet.prefix, 16);
  });
  after(() => fleet.stop());

  it('ends the chat on block, never matches the two again, and refuses DMs both ways', async () => {
    const { x, y } = await pair(port, 'blocker', 'pest');
    assert.deepEqual(await x.request({ type: 'block' }), {
      type: 'blocked',
      nick: 'pest',
      ref: x.frames.items.at(-1)!['ref'],
    });
    await y.next('partner_left');
    x.send({ type: 'match' });
    y.send({ type: 'match' });
    await sleep(1500);
    assert.equal(x.frames.items.filter((f) => f.type === 'matched').length, 1);
    // Somebody else comes along and is matched with one of them at once.
    const { c: z } = await JsonClient.hello(port, 'newcomer');
    z.send({ type: 'match' });
    await z.next('matched', () => true, 5000);
    for (const [from, to] of [
      [x, 'pest'],
      [y, 'blocker'],
    ] as const)
      assert.equal((await from.request({ type: 'dm', to, text: 'hi' }))['code'], 'forbidden');
    assert.equal((await x.request({ type: 'unblock', nick: 'pest' }))['type'], 'unblocked');
    assert.equal((await y.request({ type: 'dm', to: 'blocker', text: 'sorry' }))['type'], 'dm');
    for (const c of [x, y, z]) c.close();
  });

  it('keeps a block for the identity, across the blocked one coming back with its token', async () => {
    const { c: a } = await JsonClient.hello(port, 'quiet');
    const { c: b, welcome } = await JsonClient.hello(port, 'loud');
    assert.equal((await a.request({ type: 'block', nick: 'loud' }))['type'], 'blocked');
    b.close();
    await waitUntil(async () => !(await admin.hexists(keys.nick('loud'), 'gw')), 5000, 'held');
    const { c: back } = await JsonClient.hello(port, 'loud', String(welcome['token']));
    assert.equal((await back.request({ type: 'dm', to: 'quiet', text: 'x' }))['code'], 'forbidden');
    // Renaming does not shake it off either.
    await back.request({ type: 'hello', nick: 'louder' });
    assert.equal((await back.request({ type: 'dm', to: 'quiet', text: 'x' }))['code'], 'forbidden');
    for (const c of [a, back]) c.close();
  });

  it('files a report with the last messages of the chat, also about a stranger who left', async () => {
    const { x, y, room } = await pair(port, 'reporter', 'rude');
    await y.request({ type: 'say', room, text: 'something nasty' });
    await x.next('message', (f) => f['text'] === 'something nasty');
    y.close();
    await x.next('partner_left', () => true, 5000);
    const r = await x.request({ type: 'report', reason: 'insults' });
    assert.deepEqual(r, { type: 'reported', nick: 'rude', ref: r['ref'] });
    const filed = (await reports(admin, keys)).find((f) => f['nick'] === 'rude');
    assert.ok(filed, 'in the reports stream');
    assert.equal(filed['by'], 'reporter');
    assert.equal(filed['where'], room);
    assert.equal(filed['reason'], 'insults');
    assert.ok(filed['ident'] && filed['byIdent']);
    const context = JSON.parse(filed['messages'] ?? '[]') as { from: string; text: string }[];
    assert.deepEqual(
      context.map((m) => [m.from, m.text]),
      [['rude', 'something nasty']],
    );
    // Bad input is refused clearly: yourself, nobody, a reason too long.
    assert.equal((await x.request({ type: 'report', nick: 'reporter' }))['code'], 'forbidden');
    assert.equal((await x.request({ type: 'block', nick: 'ghost-x' }))['code'], 'no_such_nick');
    const long = await x.request({ type: 'report', nick: 'rude', reason: 'x'.repeat(501) });
    assert.equal(long['code'], 'bad_frame');
    x.close();
  });

  it('reports and blocks from nc in text mode', async () => {
    const t = await LineClient.connect(port);
    await t.waitLine('* looking for a partner…');
    const { c: other } = await JsonClient.hello(port, 'textpeer');
    other.send({ type: 'match' });
    await t.waitLine('* matched with textpeer', 8000);
    t.line('/report @textpeer spam links');
    await t.waitLine('* reported textpeer');
    t.line('/block');
    await t.waitLine('* blocked textpeer');
    await other.next('partner_left');
    const filed = (await reports(admin, keys)).find((f) => f['nick'] === 'textpeer');
    assert.equal(filed?.['reason'], 'spam links');
    t.close();
    other.close();
  });
});
