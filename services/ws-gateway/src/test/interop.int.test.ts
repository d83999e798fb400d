import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  type Fleet,
  type Frame,
  JsonClient,
  LineClient,
  startFleet,
  WsClient,
} from '@chatfleet/testing';

describe('TCP and browser users in one fleet (two ws-gateways, one tcp-gateway)', () => {
  let fleet: Fleet;
  let tcp: number;
  let ws1: number;
  let ws2: number;
  before(async () => {
    fleet = await startFleet({ gateways: 1, wsGateways: 2 });
    tcp = fleet.gateways[0]!.tcpPort;
    [ws1, ws2] = fleet.wsGateways.map((g) => g.wsPort) as [number, number];
  });
  after(() => fleet.stop());

  it('matches an nc user with a WebSocket user as strangers', async () => {
    const nc = await LineClient.connect(tcp);
    const greet = await nc.waitLine(/you are (guest-[0-9a-f]+)/);
    const ncNick = /you are (guest-[0-9a-f]+)/.exec(greet)![1]!;
    await nc.waitLine('* looking for a partner…');
    const { c: web } = await WsClient.hello(ws1, 'webstranger');
    web.send({ type: 'match' });
    const m = await web.next('matched');
    assert.equal(m['partner'], ncNick);
    await nc.waitLine('* matched with webstranger');
    nc.line('hello from the terminal');
    assert.equal((await web.next('message'))['text'], 'hello from the terminal');
    web.send({ type: 'say', room: m['room'], text: 'hello from the browser' });
    await nc.waitLine('<webstranger> hello from the browser');
    web.send({ type: 'next' });
    await nc.waitLine('* webstranger left the chat');
    nc.close();
    web.close();
  });

  it('shares a room across gateways with the same presence, order and history', async () => {
    const { c: t } = await JsonClient.hello(tcp, 'tcpmember');
    const { c: w1 } = await WsClient.hello(ws1, 'ws1member');
    const { c: w2 } = await WsClient.hello(ws2, 'ws2member');
    await t.request({ type: 'join', room: 'mixed' });
    await w1.request({ type: 'join', room: 'mixed' });
    assert.deepEqual((await t.next('presence'))['nick'], 'ws1member');
    const j = await w2.request({ type: 'join', room: 'mixed' });
    assert.deepEqual(j['members'], ['tcpmember', 'ws1member', 'ws2member']);
    for (let i = 0; i < 10; i++) {
      t.send({ type: 'say', room: 'mixed', text: `t${i}` });
      w1.send({ type: 'say', room: 'mixed', text: `a${i}` });
      w2.send({ type: 'say', room: 'mixed', text: `b${i}` });
    }
    const take = async (c: {
      next(type: string, p?: (f: Frame) => boolean, t?: number): Promise<Frame>;
    }) => {
      const out: Frame[] = [];
      for (let i = 0; i < 30; i++) out.push(await c.next('message', () => true, 10_000));
      return out.map((m) => `${m['id']}:${m['text']}`);
    };
    const [st, s1, s2] = await Promise.all([take(t), take(w1), take(w2)]);
    assert.deepEqual(s1, st);
    assert.deepEqual(s2, st);
    const h1 = ((await w1.request({ type: 'history', room: 'mixed' }))['messages'] as Frame[]).map(
      (m) => `${m['id']}:${m['text']}`,
    );
    const ht = ((await t.request({ type: 'history', room: 'mixed' }))['messages'] as Frame[]).map(
      (m) => `${m['id']}:${m['text']}`,
    );
    assert.deepEqual(h1, st);
    assert.deepEqual(ht, st);
    w2.close();
    assert.equal((await t.next('presence', (f) => f['event'] === 'leave'))['nick'], 'ws2member');
    t.close();
    w1.close();
  });

  it('lets a TCP user and a browser user DM each other', async () => {
    const { c: t } = await JsonClient.hello(tcp, 'tcpdm');
    const { c: w } = await WsClient.hello(ws2, 'wsdm');
    t.send({ type: 'dm', to: 'wsdm', text: 'psst web' });
    assert.equal((await w.next('dm'))['text'], 'psst web');
    w.send({ type: 'dm', to: 'TCPDM', text: 'psst terminal' });
    const back = await t.next('dm', (f) => f['from'] === 'wsdm');
    assert.equal(back['text'], 'psst terminal');
    t.close();
    w.close();
  });
});
