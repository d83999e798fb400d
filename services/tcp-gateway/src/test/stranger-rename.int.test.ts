import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { createKeys, fieldsOf, type Keys } from '@chatfleet/store';
import {
  type Fleet,
  type Frame,
  JsonClient,
  LineClient,
  startFleet,
  WsClient,
} from '@chatfleet/testing';

type Client = JsonClient | WsClient;

/** Two clients matched with each other, the first waiting before the second asks. */
async function pair(x: Client, y: Client) {
  x.send({ type: 'match' });
  await x.next('waiting');
  y.send({ type: 'match' });
  const mx = await x.next('matched', () => true, 8000);
  const my = await y.next('matched', () => true, 8000);
  return { room: String(mx['room']), mx, my };
}

/** The nick a client knows its stranger by: the matched frame, then any rename after it. */
function strangerNick(c: Client, room: string): string | undefined {
  let nick: string | undefined;
  for (const f of c.frames.items) {
    if (f.type === 'matched' && f['room'] === room) nick = String(f['partner']);
    if (f.type === 'renamed' && f['room'] === room) nick = String(f['nick']);
  }
  return nick;
}

async function identOf(admin: Redis, keys: Keys, nick: string): Promise<string> {
  return (await admin.hget(keys.nick(nick.toLowerCase()), 'ident')) ?? '';
}

describe('a stranger is a person, not a nick', () => {
  let fleet: Fleet;
  let port: number;
  let wsPort: number;
  let admin: Redis;
  let keys: Keys;
  before(async () => {
    // The repeat block stays on (its default) and nobody waits to move on.
    const env = { NEXT_INTERVAL_MS: '0', MATCH_WIDEN_MS: '0' };
    fleet = await startFleet({ gateways: 1, wsGateways: 1, env });
    port = fleet.gateways[0]!.tcpPort;
    wsPort = fleet.wsGateways[0]!.wsPort;
    admin = await fleet.admin();
    keys = createKeys(fleet.prefix, 16);
  });
  after(() => fleet.stop());

  it('blocks and reports a stranger who renamed while waiting, and the block ends the chat', async () => {
    const { c: ada } = await JsonClient.hello(port, 'qada');
    ada.send({ type: 'match' });
    await ada.next('waiting');
    assert.equal((await ada.request({ type: 'hello', nick: 'qada2' }))['type'], 'welcome');
    const { c: bob } = await JsonClient.hello(port, 'qbob');
    bob.send({ type: 'match' });
    const m = await bob.next('matched', () => true, 8000);
    const room = String(m['room']);
    await ada.next('matched');
    // Told by its new nick, at once or by a rename right after.
    assert.equal(m['partner'], 'qada2');
    const rep = await bob.request({ type: 'report', reason: 'rude' });
    assert.deepEqual([rep.type, rep['nick']], ['reported', 'qada2']);
    const filed = (await admin.xrange(keys.reports(), '-', '+'))
      .map(([, f]) => fieldsOf(f))
      .find((f) => f['nick'] === 'qada2');
    assert.equal(filed?.['ident'], await identOf(admin, keys, 'qada2'));
    assert.equal(filed?.['where'], room);
    const blk = await bob.request({ type: 'block' });
    assert.deepEqual([blk.type, blk['nick']], ['blocked', 'qada2']);
    await ada.next('partner_left');
    const said = await ada.request({ type: 'say', room, text: 'are we still matched?' });
    assert.equal(said['code'], 'not_matched');
    ada.close();
    bob.close();
  });

  it('announces a rename in the middle of a chat, and a block by the new nick ends it', async () => {
    const { c: ada } = await JsonClient.hello(port, 'mada');
    const { c: bob } = await JsonClient.hello(port, 'mbob');
    const { room } = await pair(ada, bob);
    await ada.request({ type: 'hello', nick: 'mada2' });
    const r = await bob.next('renamed');
    assert.deepEqual(r, { type: 'renamed', room, old: 'mada', nick: 'mada2' });
    ada.send({ type: 'say', room, text: 'still me' });
    assert.equal((await bob.next('message'))['from'], 'mada2');
    const blk = await bob.request({ type: 'block', nick: 'mada2' });
    assert.deepEqual([blk.type, blk['nick']], ['blocked', 'mada2']);
    await ada.next('partner_left');
    // The block is on the identity: a DM either way is refused.
    const dm = await ada.request({ type: 'dm', to: 'mbob', text: 'hey' });
    assert.equal(dm['code'], 'forbidden');
    ada.close();
    bob.close();
  });

  it('blocks the stranger named by the nick they had, even once somebody else took it', async () => {
    const { c: ada } = await JsonClient.hello(port, 'oada');
    const { c: bob } = await JsonClient.hello(port, 'obob');
    const { room } = await pair(ada, bob);
    await ada.request({ type: 'hello', nick: 'oada2' });
    // Before bob hears of the rename, the old nick is free and somebody takes it.
    const { c: squatter } = await JsonClient.hello(port, 'oada');
    await bob.next('renamed');
    const blk = await bob.request({ type: 'block', nick: 'oada2' });
    assert.equal(blk['nick'], 'oada2');
    await ada.next('partner_left');
    // The squatter was not blocked: a DM from bob reaches it.
    assert.equal((await bob.request({ type: 'dm', to: 'oada', text: 'hi' }))['type'], 'dm');
    // The match room is the two identities': the freed nick does not open it.
    const j = await squatter.request({ type: 'join', room });
    assert.equal(j['code'], 'forbidden');
    for (const c of [ada, bob, squatter]) c.close();
  });

  it('blocks the stranger of a past match room by naming the room', async () => {
    const { c: ada } = await JsonClient.hello(port, 'pada');
    const { c: bob } = await JsonClient.hello(port, 'pbob');
    const { room } = await pair(ada, bob);
    ada.send({ type: 'next' });
    await bob.next('partner_left');
    await ada.request({ type: 'hello', nick: 'pada2' });
    const blk = await bob.request({ type: 'block', room });
    assert.equal(blk['type'], 'blocked');
    assert.equal((await ada.request({ type: 'dm', to: 'pbob', text: 'x' }))['code'], 'forbidden');
    const none = await bob.request({ type: 'block', room: 'm-000000000000' });
    assert.equal(none['code'], 'not_matched');
    ada.close();
    bob.close();
  });

  it('does not pair the same two again right after a rename', async () => {
    const { c: ada } = await JsonClient.hello(port, 'nada');
    const { c: bob } = await JsonClient.hello(port, 'nbob');
    await pair(ada, bob);
    await ada.request({ type: 'hello', nick: 'nada2' });
    await bob.next('renamed');
    bob.send({ type: 'next' });
    await ada.next('partner_left');
    ada.send({ type: 'match' });
    await sleep(1500);
    const count = (c: Client) => c.frames.items.filter((f) => f.type === 'matched').length;
    assert.equal(count(ada), 1);
    assert.equal(count(bob), 1);
    const { c: carol } = await JsonClient.hello(port, 'ncarol');
    carol.send({ type: 'match' });
    await carol.next('matched', () => true, 8000);
    for (const c of [ada, bob, carol]) c.close();
  });

  it('shows nc users the rename and says goodbye with the nick the stranger has now', async () => {
    const t = await LineClient.connect(port);
    await t.waitLine('* looking for a partner…');
    const { c: ada } = await JsonClient.hello(port, 'tada');
    ada.send({ type: 'match' });
    const m = await ada.next('matched', () => true, 8000);
    await t.waitLine('* matched with tada');
    await ada.request({ type: 'hello', nick: 'tada2' });
    await t.waitLine('* tada is now tada2');
    t.line('/who');
    await t.waitLine(/^\* in the chat with your stranger: /);
    ada.send({ type: 'leave', room: m['room'] });
    await t.waitLine('* tada2 left the chat');
    t.close();
    ada.close();
  });

  it('follows the rename over WebSockets too, blocking by the match room', async () => {
    const { c: ada } = await WsClient.hello(wsPort, 'wada');
    const { c: bob } = await WsClient.hello(wsPort, 'wbob');
    const { room } = await pair(ada, bob);
    await ada.request({ type: 'hello', nick: 'wada2' });
    await bob.next('renamed');
    assert.equal(strangerNick(bob, room), 'wada2');
    const blk: Frame = await bob.request({ type: 'block', room });
    assert.deepEqual([blk.type, blk['nick']], ['blocked', 'wada2']);
    await ada.next('partner_left');
    ada.close();
    bob.close();
  });
});
