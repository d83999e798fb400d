import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import { conv, createKeys, sendMessage } from '@chatfleet/store';
import { type Fleet, JsonClient, startFleet, visitAndLeave } from '@chatfleet/testing';

const dmsOf = (c: JsonClient, text: string) =>
  c.frames.items.filter((f) => f.type === 'dm' && f['text'] === text).length;

describe('chaos: a gateway killed at each step of a DM', () => {
  let fleet: Fleet;
  let admin: Redis;
  beforeEach(async () => {
    fleet = await startFleet({ gateways: 2, matchmaker: false });
    admin = await fleet.admin();
  });
  afterEach(() => fleet.stop());

  it('delivers a DM stranded in a dead gateway to the nick taken back elsewhere, once', async () => {
    const [g1, g2] = fleet.gateways;
    const { c: s } = await JsonClient.hello(g1!.tcpPort, 'dsender1');
    const { c: r, welcome } = await JsonClient.hello(g2!.tcpPort, 'dreader1');
    g2!.proc.kill('SIGSTOP');
    await s.request({ type: 'dm', to: 'dreader1', text: 'stranded' });
    await g2!.stop('SIGKILL');
    const { c: back } = await JsonClient.hello(g1!.tcpPort, 'dreader1', String(welcome['token']));
    await back.next('dm', (f) => f['text'] === 'stranded', 15_000);
    await new Promise((res) => setTimeout(res, 500));
    assert.equal(dmsOf(back, 'stranded'), 1);
    for (const c of [s, r, back]) c.close();
  });

  it('keeps a DM stranded in a dead gateway for the next welcome, once', async () => {
    const [g1, g2] = fleet.gateways;
    const keys = createKeys(fleet.prefix, 16);
    const { c: s } = await JsonClient.hello(g1!.tcpPort, 'dsender2');
    const { c: r, welcome } = await JsonClient.hello(g2!.tcpPort, 'dreader2');
    g2!.proc.kill('SIGSTOP');
    await s.request({ type: 'dm', to: 'dreader2', text: 'kept for later' });
    await g2!.stop('SIGKILL');
    const gone = async () => (await admin.zcard(keys.gateways())) === 1;
    for (let i = 0; i < 150 && !(await gone()); i++)
      await new Promise((res) => setTimeout(res, 100));
    assert.ok(await gone(), 'the dead gateway was reaped');
    const { c: back } = await JsonClient.hello(g1!.tcpPort, 'dreader2', String(welcome['token']));
    await back.next('dm', (f) => f['text'] === 'kept for later', 5000);
    await new Promise((res) => setTimeout(res, 500));
    assert.equal(dmsOf(back, 'kept for later'), 1);
    for (const c of [s, r, back]) c.close();
  });

  it("routes a DM whose sender's gateway died between storing and routing it", async () => {
    const [g1] = fleet.gateways;
    const store = await fleet.store();
    const away = await visitAndLeave(g1!.tcpPort, 'doffline', admin, store.keys);
    const { c: online } = await JsonClient.hello(g1!.tcpPort, 'donline');
    const idents = {
      donline: (await admin.hget(store.keys.nick('donline'), 'ident')) ?? '',
      doffline: away.ident,
    };
    // What the sender's gateway did before it died: the append, and no route.
    for (const to of ['donline', 'doffline'] as const)
      await sendMessage(store, {
        conv: conv.dm('ghostsender-ident', idents[to]),
        from: 'ghostsender',
        to,
        toIdent: idents[to],
        text: `orphan for ${to}`,
        publish: false,
        sid: 'dead.1',
      });
    await online.next('dm', (f) => f['text'] === 'orphan for donline', 10_000);
    const { c: later } = await JsonClient.hello(g1!.tcpPort, 'doffline', away.token);
    await later.next('dm', (f) => f['text'] === 'orphan for doffline', 5000);
    await new Promise((res) => setTimeout(res, 500));
    assert.equal(dmsOf(online, 'orphan for donline'), 1);
    assert.equal(dmsOf(later, 'orphan for doffline'), 1);
    for (const c of [online, later]) c.close();
  });

  it('routes a DM again when its session closed between routing and delivery', async () => {
    const [g1] = fleet.gateways;
    const keys = createKeys(fleet.prefix, 16);
    const [gw] = await admin.zrange(keys.gateways(), 0, '-1');
    const away = await visitAndLeave(g1!.tcpPort, 'dvanished', admin, keys);
    const { c: s } = await JsonClient.hello(g1!.tcpPort, 'dsender4');
    const sent = await s.request({ type: 'dm', to: 'dvanished', text: 'caught in flight' });
    // The route found a session that then vanished: its gateway's inbox still names it.
    let raw: string | undefined;
    for (let i = 0; i < 50 && !raw; i++) {
      raw = (await admin.zrange(keys.mailbox('dvanished'), 0, '-1'))[0];
      if (!raw) await new Promise((res) => setTimeout(res, 50));
    }
    const m = JSON.parse(raw ?? 'null') as unknown;
    assert.ok(m, 'kept in the mailbox while offline');
    await admin.del(keys.mailbox('dvanished'));
    await admin.xadd(
      keys.inbox(gw!),
      '*',
      'e',
      JSON.stringify({ k: 'dm', sid: `${gw}.999999`, m }),
    );
    await new Promise((res) => setTimeout(res, 500));
    const { c } = await JsonClient.hello(g1!.tcpPort, 'dvanished', away.token);
    await c.next('dm', (f) => f['id'] === sent['id'], 5000);
    await new Promise((res) => setTimeout(res, 300));
    assert.equal(dmsOf(c, 'caught in flight'), 1);
    for (const x of [s, c]) x.close();
  });
});
