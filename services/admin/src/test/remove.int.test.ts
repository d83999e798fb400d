import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import { conv, createKeys, type Keys } from '@chatfleet/store';
import {
  type Fleet,
  JsonClient,
  startFleet,
  visitAndLeave,
  waitUntil,
  runAdmin,
} from '@chatfleet/testing';

/** Everything Redis keeps of a conversation (window, history), as one string to search. */
async function kept(redis: Redis, keys: Keys, c: string): Promise<string> {
  const [win, hist] = await Promise.all([
    redis.lrange(keys.window(c), 0, -1),
    redis.zrange(keys.history(c), '0', '-1'),
  ]);
  return [...win, ...hist].join('\n');
}

async function joined(port: number, nick: string, room: string) {
  const { c } = await JsonClient.hello(port, nick);
  const j = await c.request({ type: 'join', room });
  return { c, j };
}

describe('chatfleet-admin: removing a message', () => {
  let fleet: Fleet;
  let redis: Redis;
  let keys: Keys;
  before(async () => {
    fleet = await startFleet({ gateways: 2, env: { MATCH_WIDEN_MS: '0' } });
    redis = await fleet.admin();
    keys = createKeys(fleet.prefix, 16);
  });
  after(() => fleet.stop());

  it('takes a room message off both gateways, rejoins and history pages, and keeps recovery whole', async () => {
    const [p1, p2] = fleet.gateways.map((g) => g.tcpPort) as [number, number];
    const { c: a } = await joined(p1, 'ann', 'lobby');
    const { c: b } = await joined(p2, 'bob', 'lobby');
    const { c: e, j: ej } = await joined(p1, 'eve', 'lobby');
    const say = async (text: string) =>
      (await a.request({ type: 'say', room: 'lobby', text }))['id'] as number;
    const first = await say('hello all');
    await e.next('message', (f) => f['id'] === first);
    e.close(); // eve leaves, holding first, and will rejoin with since
    const bad = await say('something abusive');
    const last = await say('after it');
    await b.next('message', (f) => f['id'] === last);
    // The history-writer has them before the removal: both the window and history change.
    const c = conv.room('lobby');
    await waitUntil(async () => (await redis.zcard(keys.history(c))) >= 3, 5000, 'history');
    const run = await runAdmin(fleet, ['remove', 'lobby', String(bad), '--reason', 'abuse']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /removed \d+ from lobby: <ann> something abusive/);
    for (const member of [a, b])
      assert.deepEqual(await member.next('removed', () => true, 2000), {
        type: 'removed',
        room: 'lobby',
        id: bad,
      });
    assert.ok(!(await kept(redis, keys, c)).includes('something abusive'), 'gone from Redis');
    // Eve rejoins across the removal: nothing was lost, and the removed one keeps its place.
    const { c: back } = await JsonClient.hello(p2, 'eve2');
    const rejoin = await back.request({
      type: 'join',
      room: 'lobby',
      since: first,
      epoch: ej['epoch'],
    });
    assert.equal(rejoin['recovered'], true);
    const hist = rejoin['history'] as { id: number; seq: number; text: string; removed?: true }[];
    assert.deepEqual(
      hist.map((m) => [m.id, m.text, m.removed ?? false]),
      [
        [bad, '', true],
        [last, 'after it', false],
      ],
    );
    assert.equal(hist[1]!.seq, hist[0]!.seq + 1, 'seq stays contiguous');
    // A history page shows the tombstone, never the text.
    const page = await back.request({ type: 'history', room: 'lobby', limit: 10 });
    assert.ok(!JSON.stringify(page).includes('something abusive'));
    assert.equal(
      (page['messages'] as { id: number; removed?: true }[]).find((m) => m.id === bad)?.removed,
      true,
    );
    // Running it again is harmless: members are told again, nothing else changes.
    const again = await runAdmin(fleet, ['remove', 'lobby', String(bad)]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /removed before/);
    for (const x of [a, b, back]) x.close();
  });

  it('removes a DM from the recipient mailbox and both sides history, telling the sender live', async () => {
    const port = fleet.gateways[0]!.tcpPort;
    const away = await visitAndLeave(port, 'dmto', redis, keys);
    const { c: from, welcome } = await JsonClient.hello(port, 'dmfrom');
    const sent = await from.request({ type: 'dm', to: 'dmto', text: 'nasty private words' });
    await from.request({ type: 'dm', to: 'dmto', text: 'and a kind one' });
    const fromIdent = await redis.hget(keys.nick('dmfrom'), 'ident');
    assert.ok(fromIdent && welcome['token']);
    const where = `dm:${fromIdent.toLowerCase()}:${away.ident.toLowerCase()}`;
    const run = await runAdmin(fleet, ['remove', where, String(sent['id'])]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(await from.next('removed', () => true, 2000), {
      type: 'removed',
      id: sent['id'],
      with: 'dmto',
    });
    // The recipient comes back: only the kind one is handed out.
    const { c: to } = await JsonClient.hello(port, 'dmto', away.token);
    const dm = await to.next('dm');
    assert.equal(dm['text'], 'and a kind one');
    const h = await to.request({ type: 'history', with: 'dmfrom', limit: 10 });
    assert.ok(!JSON.stringify(h).includes('nasty private words'));
    for (const x of [from, to]) x.close();
  });

  it('reaches the one who stayed when a ban ended the match first', async () => {
    const [p1, p2] = fleet.gateways.map((g) => g.tcpPort) as [number, number];
    const { c: troll } = await JsonClient.hello(p1, 'mtroll');
    const { c: victim } = await JsonClient.hello(p2, 'mvictim');
    troll.send({ type: 'match' });
    victim.send({ type: 'match' });
    const room = String((await victim.next('matched', () => true, 8000))['room']);
    await troll.next('matched', () => true, 8000);
    const bad = await troll.request({ type: 'say', room, text: 'scam link' });
    await victim.next('message', (f) => f['id'] === bad['id']);
    assert.equal((await victim.request({ type: 'report' }))['type'], 'reported');
    assert.equal((await runAdmin(fleet, ['ban', 'mtroll'])).code, 0);
    await victim.next('partner_left', () => true, 3000);
    const run = await runAdmin(fleet, ['remove', room, String(bad['id'])]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(await victim.next('removed', () => true, 2000), {
      type: 'removed',
      room,
      id: bad['id'],
    });
    victim.close();
  });

  it('refuses an id that is not there and changes nothing', async () => {
    const before = await redis.xlen(keys.audit());
    for (const [args, re] of [
      [['remove', 'lobby', '12345'], /no message 12345 is kept/],
      [['remove', 'nowhere', '1'], /no message 1 is kept/],
    ] as const) {
      const r = await runAdmin(fleet, [...args]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, re);
    }
    assert.equal(await redis.xlen(keys.audit()), before);
  });
});

describe('chatfleet-admin: a removal the history-writer has not caught up with', () => {
  let fleet: Fleet;
  after(() => fleet.stop());

  it('writes only the tombstone when the writer materializes the message later', async () => {
    fleet = await startFleet({ gateways: 1, matchmaker: false, historyWriter: false });
    const redis = await fleet.admin();
    const keys = createKeys(fleet.prefix, 16);
    const { c } = await joined(fleet.gateways[0]!.tcpPort, 'early', 'quiet');
    const m = await c.request({ type: 'say', room: 'quiet', text: 'gone before history' });
    assert.equal((await runAdmin(fleet, ['remove', 'quiet', String(m['id'])])).code, 0);
    await fleet.add('history-writer');
    const h = keys.history(conv.room('quiet'));
    await waitUntil(async () => (await redis.zcard(h)) === 1, 10_000, 'materialized');
    const [stored] = await redis.zrange(h, '0', '-1');
    assert.match(stored ?? '', /"removed":true/);
    assert.ok(!stored?.includes('gone before history'));
    c.close();
  });
});
