import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { conv, createKeys, type Keys } from '@chatfleet/store';
import { type Fleet, JsonClient, startFleet, visitAndLeave, WsClient } from '@chatfleet/testing';

// JSON.stringify writes a lone surrogate as the escape "\ud800"; Redis's Lua cjson refuses to
// decode it. Such text is refused at the door now, but entries stored before that must never
// make a script fail.
const LONE = 'x\udc00y';

describe('text that is not well-formed Unicode', () => {
  let fleet: Fleet;
  let port: number;
  let wsPort: number;
  let admin: Redis;
  let keys: Keys;
  before(async () => {
    fleet = await startFleet({
      gateways: 1,
      wsGateways: 1,
      matchmaker: false,
      env: { RECENT_MAX: '20', RATE_PER_SEC: '1000', RATE_BURST: '1000' },
    });
    port = fleet.gateways[0]!.tcpPort;
    wsPort = fleet.wsGateways[0]!.wsPort;
    admin = await fleet.admin();
    keys = createKeys(fleet.prefix, 16);
  });
  after(() => fleet.stop());

  it('refuses a lone surrogate in a say, a dm or a report with bad_frame, over TCP and WebSocket', async () => {
    const { c: t } = await JsonClient.hello(port, 'surr-tcp');
    const { c: w } = await WsClient.hello(wsPort, 'surr-ws');
    await t.request({ type: 'join', room: 'uni' });
    for (const c of [t, w]) {
      const dm = await c.request({ type: 'dm', to: 'surr-tcp', text: LONE });
      assert.equal(dm['code'], 'bad_frame');
      const rep = await c.request({ type: 'report', nick: 'surr-tcp', reason: 'a\ud800' });
      assert.equal(rep['code'], 'bad_frame');
    }
    const say = await t.request({ type: 'say', room: 'uni', text: LONE });
    assert.equal(say['code'], 'bad_frame');
    assert.equal(await admin.exists(keys.window(conv.room('uni'))), 0);
    t.close();
    w.close();
  });

  it('hands out a mailbox holding a poisoned DM: one welcome, then every DM, none lost', async () => {
    const { token, ident } = await visitAndLeave(port, 'mbox-victim', admin, keys);
    const { c: friend } = await JsonClient.hello(port, 'mbox-friend');
    assert.equal(
      (await friend.request({ type: 'dm', to: 'mbox-victim', text: 'before' }))['type'],
      'dm',
    );
    // What an attacker could store before the fix, as routeDm stores a DM.
    const id = Date.now() * 1000 + 500;
    const poisoned = JSON.stringify({
      conv: conv.dm(ident, 'attacker-ident'),
      from: 'mbox-attacker',
      text: LONE,
      to: 'mbox-victim',
      toIdent: ident,
      id,
      ts: Math.floor(id / 1000),
      seq: 1,
      epoch: 'e',
    });
    assert.match(poisoned, /\\udc00/);
    await admin.zadd(keys.mailbox('mbox-victim'), id, poisoned);
    await sleep(5);
    await friend.request({ type: 'dm', to: 'mbox-victim', text: 'after' });

    const back = await JsonClient.connect(port);
    const w = await back.request({ type: 'hello', nick: 'mbox-victim', token });
    assert.equal(w.type, 'welcome');
    await sleep(500);
    const replies = back.frames.items.filter((f) => f['ref'] === w['ref']);
    assert.equal(replies.length, 1, JSON.stringify(back.frames.items));
    assert.ok(
      !back.frames.items.some((f) => f.type === 'error'),
      JSON.stringify(back.frames.items),
    );
    const dms = back.frames.items.filter((f) => f.type === 'dm').map((f) => f['text']);
    assert.deepEqual(dms, ['before', 'x\ufffdy', 'after']);
    assert.equal(await admin.exists(keys.mailbox('mbox-victim')), 0);
    // A DM now goes straight through.
    await friend.request({ type: 'dm', to: 'mbox-victim', text: 'live' });
    await back.next('dm', (f) => f['text'] === 'live');
    friend.close();
    back.close();
  });

  it('rejoins a room whose oldest kept message is poisoned: recovered false, not internal', async () => {
    const { c: talker } = await JsonClient.hello(port, 'room-talker');
    await talker.request({ type: 'join', room: 'poisoned' });
    const c = conv.room('poisoned');
    for (let i = 0; i < 21; i++)
      await talker.request({ type: 'say', room: 'poisoned', text: `m${i}` });
    // Rewrite the oldest message of the window as a pre-fix store would have kept it.
    const raw = (await admin.lindex(keys.window(c), 0)) ?? '';
    await admin.lset(
      keys.window(c),
      0,
      raw.replace(/"text":"m\d+"/, `"text":${JSON.stringify(LONE)}`),
    );
    const { c: late } = await JsonClient.hello(port, 'room-late');
    const j = await late.request({ type: 'join', room: 'poisoned', since: 1, epoch: 'old' });
    assert.equal(j.type, 'joined', JSON.stringify(j));
    assert.equal(j['recovered'], false);
    // A since outside the window with no epoch: the script reads the oldest message's seq.
    const { c: third } = await JsonClient.hello(port, 'room-third');
    const j3 = await third.request({ type: 'join', room: 'poisoned', since: 1 });
    assert.equal(j3.type, 'joined', JSON.stringify(j3));
    assert.equal(j3['recovered'], false);
    const texts = (j3['history'] as { text: string }[]).map((m) => m.text);
    assert.ok(texts.includes('x\ufffdy'), texts.join());
    for (const x of [talker, late, third]) x.close();
  });
});
