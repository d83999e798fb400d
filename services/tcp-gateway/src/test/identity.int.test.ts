import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { createKeys, type Keys } from '@chatfleet/store';
import {
  type Fleet,
  type Frame,
  JsonClient,
  startFleet,
  visitAndLeave,
  waitUntil,
} from '@chatfleet/testing';

const texts = (frames: Frame[]) => frames.map((f) => f['text']);

describe('identity: DMs and mailboxes belong to whoever holds the token', () => {
  let fleet: Fleet;
  let port: number;
  let admin: Redis;
  let keys: Keys;
  before(async () => {
    fleet = await startFleet({ gateways: 1, matchmaker: false, env: { NICK_HOLD_MS: '2000' } });
    port = fleet.gateways[0]!.tcpPort;
    admin = await fleet.admin();
    keys = createKeys(fleet.prefix, 16);
  });
  after(() => fleet.stop());

  it("never hands the previous holder's DMs, mailbox or DM history to the next one", async () => {
    const { c: bob } = await JsonClient.hello(port, 'bob');
    const { c: alice, welcome } = await JsonClient.hello(port, 'alice');
    await bob.request({ type: 'dm', to: 'alice', text: 'secret for alice' });
    await alice.next('dm', (f) => f['text'] === 'secret for alice');
    alice.close();
    await waitUntil(async () => !(await admin.hexists(keys.nick('alice'), 'gw')), 5000, 'hold');
    await bob.request({ type: 'dm', to: 'alice', text: 'while you were away' });
    // While held, the nick is hers: a stranger is refused.
    const mallory = await JsonClient.connect(port);
    const refused = await mallory.request({ type: 'hello', nick: 'alice' });
    assert.equal(refused['code'], 'nick_taken');
    assert.match(String(refused['message']), /token/);
    // The hold runs out; whoever takes the nick now is somebody else.
    await waitUntil(async () => (await admin.exists(keys.nick('alice'))) === 0, 5000, 'expiry');
    assert.equal((await mallory.request({ type: 'hello', nick: 'alice' }))['type'], 'welcome');
    const hist = await mallory.request({ type: 'history', with: 'bob' });
    assert.deepEqual(hist['messages'], []);
    await sleep(300);
    assert.deepEqual(texts(mallory.frames.items.filter((f) => f.type === 'dm')), []);
    assert.equal(await admin.exists(keys.mailbox('alice')), 0);
    // Bob's conversation with the old alice is not the one with the new alice either.
    assert.deepEqual((await bob.request({ type: 'history', with: 'alice' }))['messages'], []);
    // The old token does not take the nick from the new holder.
    const old = await JsonClient.connect(port);
    const back = await old.request({ type: 'hello', nick: 'alice', token: welcome['token'] });
    assert.equal(back['code'], 'nick_taken');
    for (const c of [bob, mallory, old]) c.close();
  });

  it('keeps a nick and its mailbox for the token while held, across a rename too', async () => {
    const { c: sender } = await JsonClient.hello(port, 'carol');
    const away = await visitAndLeave(port, 'dave', admin, keys);
    await sender.request({ type: 'dm', to: 'dave', text: 'kept for dave' });
    const { c: dave } = await JsonClient.hello(port, 'dave', away.token);
    assert.equal((await dave.next('dm'))['text'], 'kept for dave');
    await dave.request({ type: 'dm', to: 'carol', text: 'thanks' });
    // A rename keeps who you are: the conversation with carol carries on under the new nick.
    assert.equal((await dave.request({ type: 'hello', nick: 'dave2' }))['type'], 'welcome');
    const hist = await dave.request({ type: 'history', with: 'carol' });
    assert.deepEqual(texts(hist['messages'] as Frame[]), ['kept for dave', 'thanks']);
    // The old nick went free with the rename, held for nobody.
    const { c: other } = await JsonClient.hello(port, 'dave');
    assert.deepEqual((await other.request({ type: 'history', with: 'carol' }))['messages'], []);
    for (const c of [sender, dave, other]) c.close();
  });

  it('gives guest nicks only from the server, and back only for their token', async () => {
    const chooser = await JsonClient.connect(port);
    const chosen = await chooser.request({ type: 'hello', nick: 'guest-0123456789' });
    assert.equal(chosen['code'], 'bad_nick');
    const forged = await chooser.request({
      type: 'hello',
      nick: 'guest-0123456789',
      token: 'made-up-token-1234',
    });
    assert.equal(forged['code'], 'bad_nick');
    const { c: guest, welcome } = await JsonClient.hello(port);
    const nick = String(welcome['nick']);
    assert.match(nick, /^guest-[0-9a-f]{10}$/);
    guest.close();
    await waitUntil(async () => !(await admin.hexists(keys.nick(nick), 'gw')), 5000, 'held');
    const wrong = await chooser.request({ type: 'hello', nick, token: 'made-up-token-1234' });
    assert.equal(wrong['code'], 'nick_taken');
    const mine = await chooser.request({ type: 'hello', nick, token: welcome['token'] });
    assert.equal(mine['nick'], nick);
    chooser.close();
  });
});
