import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import {
  type Fleet,
  readMetric,
  type ServiceProcess,
  startFleet,
  waitUntil,
  WsClient,
} from '@chatfleet/testing';

describe('ws-gateway', () => {
  let fleet: Fleet;
  let ws: ServiceProcess;
  let port: number;
  before(async () => {
    fleet = await startFleet({ gateways: 0, wsGateways: 1 });
    ws = fleet.wsGateways[0]!;
    port = ws.wsPort;
  });
  after(() => fleet.stop());

  it('speaks protocol v1 over WebSocket text frames', async () => {
    const { c: a } = await WsClient.hello(port, 'wsa');
    const { c: b } = await WsClient.hello(port, 'wsb');
    await a.request({ type: 'join', room: 'web' });
    await b.request({ type: 'join', room: 'web' });
    a.send({ type: 'say', room: 'web', text: 'over ws', ref: 'x1' });
    assert.equal((await a.next('message'))['ref'], 'x1');
    const got = await b.next('message');
    assert.equal(got['from'], 'wsa');
    assert.equal(got['text'], 'over ws');
    a.close();
    b.close();
  });

  it('blocks and reports over WebSocket frames', async () => {
    const { c: a } = await WsClient.hello(port, 'wsblocker');
    const { c: b } = await WsClient.hello(port, 'wspest');
    assert.equal((await b.request({ type: 'dm', to: 'wsblocker', text: 'hey' }))['type'], 'dm');
    await a.next('dm');
    const reported = await a.request({ type: 'report', nick: 'wspest', reason: 'spam' });
    assert.equal(reported['type'], 'reported');
    assert.equal((await a.request({ type: 'block', nick: 'wspest' }))['type'], 'blocked');
    assert.equal(
      (await b.request({ type: 'dm', to: 'wsblocker', text: 'hey' }))['code'],
      'forbidden',
    );
    a.close();
    b.close();
  });

  it('reads the room list from Redis once per few seconds however many ask, and shows new rooms after', async () => {
    const admin = await fleet.admin();
    const smembers = async () => {
      const info = await admin.info('commandstats');
      return Number(/cmdstat_smembers:calls=(\d+)/.exec(info)?.[1] ?? 0);
    };
    // A gateway of its own, so its cache is this test's; a rate limit that lets one client poll.
    const own = await fleet.add('ws-gateway', { RATE_PER_SEC: '1000', RATE_BURST: '1000' });
    const { c } = await WsClient.hello(own.wsPort, 'pollster');
    await c.request({ type: 'join', room: 'polled' });
    const before = await smembers();
    const api = async () =>
      (
        (await (await fetch(`http://127.0.0.1:${own.wsPort}/api/rooms`)).json()) as {
          rooms: { room: string }[];
        }
      ).rooms;
    await Promise.all([
      ...Array.from({ length: 20 }, api),
      ...Array.from({ length: 20 }, () => c.request({ type: 'rooms' })),
    ]);
    // One read for all forty (two if the cache turned over meanwhile).
    assert.ok((await smembers()) - before <= 2, `${(await smembers()) - before} reads`);
    await c.request({ type: 'join', room: 'polled-later' });
    await waitUntil(
      async () => (await api()).some((r) => r.room === 'polled-later'),
      8000,
      'the new room listed once the cache turns over',
    );
    c.close();
    await admin.quit();
    await own.stop();
  });

  it('serves the page, /healthz and /api/rooms on the same port', async () => {
    const page = await fetch(`http://127.0.0.1:${port}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    assert.match(await page.text(), /<div id="app">/);
    assert.equal((await fetch(`http://127.0.0.1:${port}/app.js`)).status, 200);
    assert.equal((await fetch(`http://127.0.0.1:${port}/nope`)).status, 404);
    assert.equal(
      ((await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as { status: string })
        .status,
      'ok',
    );
    const { c } = await WsClient.hello(port, 'lister');
    await c.request({ type: 'join', room: 'listed' });
    const rooms = (await (await fetch(`http://127.0.0.1:${port}/api/rooms`)).json()) as {
      rooms: { room: string; count: number }[];
    };
    assert.deepEqual(
      rooms.rooms.find((r) => r.room === 'listed'),
      { room: 'listed', count: 1, locked: false },
    );
    c.close();
  });

  it('answers bad frames with errors and keeps the connection', async () => {
    const { c } = await WsClient.hello(port, 'wsbad');
    const expect = async (send: () => void, code: string) => {
      send();
      assert.equal((await c.next('error'))['code'], code);
    };
    await expect(() => c.sendRaw('not json'), 'bad_frame');
    await expect(() => c.sendRaw(Buffer.from([1, 2, 3]), true), 'bad_frame');
    await expect(() => c.sendRaw('{"type":"teleport"}'), 'bad_frame');
    await expect(() => c.sendRaw('{"type":"join"}'), 'bad_room');
    await expect(() => c.sendRaw('{"type":"join","room":7}'), 'bad_room');
    await expect(
      () => c.sendRaw(JSON.stringify({ type: 'hello', nick: 'n'.repeat(500) })),
      'bad_nick',
    );
    await expect(
      () => c.sendRaw(JSON.stringify({ type: 'say', room: 'web', text: 'x'.repeat(9000) })),
      'too_large',
    );
    await expect(
      () =>
        c.sendRaw(JSON.stringify({ type: 'say', room: 'web', text: 'tab\tok but bell \u0007' })),
      'bad_frame',
    );
    assert.equal((await c.request({ type: 'ping' }))['type'], 'pong');
    c.close();
  });

  it('drops a connection that sends invalid UTF-8 in a text frame, and nobody else notices', async () => {
    // uWS validates text frames itself and drops the connection without a close frame; a
    // browser cannot send such a frame. Binary frames with any bytes get bad_frame (above).
    const { c: other } = await WsClient.hello(port, 'utfbystander');
    const { c } = await WsClient.hello(port, 'wsutf');
    c.sendRaw(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]));
    assert.equal((await c.closed).code, 1006);
    assert.equal((await other.request({ type: 'ping' }))['type'], 'pong');
    other.close();
  });

  it('drops a connection whose frame passes the hard cap, and nobody else notices', async () => {
    const { c: other } = await WsClient.hello(port, 'bystander');
    const { c } = await WsClient.hello(port, 'hugeframe');
    c.sendRaw('y'.repeat(200_000));
    const { code } = await c.closed;
    assert.equal(code, 1006);
    assert.equal((await other.request({ type: 'ping' }))['type'], 'pong');
    other.close();
  });

  it('closes a flooding client with 1008 and says why', async () => {
    const { c } = await WsClient.hello(port, 'wsflood');
    for (let i = 0; i < 300; i++) c.sendRaw('{"type":"ping"}');
    assert.deepEqual(await c.next('bye'), { type: 'bye', reason: 'flood' });
    assert.deepEqual(await c.closed, { code: 1008, reason: 'flood' });
  });

  it('refuses a foreign origin, allows its own host and clients with no origin', async () => {
    await assert.rejects(WsClient.connect(port, { origin: 'https://evil.example' }), /403/);
    const same = await WsClient.connect(port, { origin: `http://127.0.0.1:${port}` });
    const none = await WsClient.connect(port);
    same.close();
    none.close();
  });

  it('refuses a rebinding page whose Origin matches only the Host header it sent', async () => {
    const res = await new Promise<number>((resolve, reject) => {
      const req = request({
        host: '127.0.0.1',
        port,
        path: '/ws',
        headers: {
          host: `rebind.example:${port}`,
          origin: `http://rebind.example:${port}`,
          connection: 'Upgrade',
          upgrade: 'websocket',
          'sec-websocket-version': '13',
          'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        },
      });
      req.on('response', (r) => resolve(r.statusCode ?? 0));
      req.on('upgrade', () => resolve(101));
      req.on('error', reject);
      req.end();
    });
    assert.equal(res, 403);
  });

  it('serves the client without its source map', async () => {
    const js = await fetch(`http://127.0.0.1:${port}/app.js`);
    assert.equal(js.status, 200);
    assert.doesNotMatch(await js.text(), /sourceMappingURL/);
    assert.equal((await fetch(`http://127.0.0.1:${port}/app.js.map`)).status, 404);
  });

  it('answers 503 with Retry-After past MAX_CONNECTS_PER_SEC, and takes connections again after', async () => {
    const gate = await fleet.add('ws-gateway', { MAX_CONNECTS_PER_SEC: '3' });
    const tries = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        WsClient.connect(gate.wsPort, { localAddress: `127.0.0.${20 + i}` }),
      ),
    );
    const open = tries.filter((t) => t.status === 'fulfilled');
    const refused = tries.filter((t) => t.status === 'rejected');
    assert.ok(open.length >= 3 && open.length <= 5, `${open.length} accepted`);
    for (const r of refused) assert.match(String(r.reason), /503 retry-after=1/);
    assert.equal(
      await readMetric(gate.metricsPort, 'chat_disconnects_total', { reason: 'busy' }),
      refused.length,
    );
    for (const t of open) t.value.close();
    await new Promise((r) => setTimeout(r, 1200));
    (await WsClient.connect(gate.wsPort)).close();
    await gate.stop();
  });

  it('answers 429 with Retry-After to one address past MAX_CONNECTS_PER_ADDRESS, not to others', async () => {
    const gate = await fleet.add('ws-gateway', { MAX_CONNECTS_PER_ADDRESS: '3' });
    const tries = await Promise.allSettled(
      Array.from({ length: 10 }, () =>
        WsClient.connect(gate.wsPort, { localAddress: '127.0.0.40' }),
      ),
    );
    const open = tries.filter((t) => t.status === 'fulfilled');
    const refused = tries.filter((t) => t.status === 'rejected');
    assert.ok(open.length >= 3 && open.length <= 4, `${open.length} accepted`);
    for (const r of refused) assert.match(String(r.reason), /429 retry-after=1/);
    const other = await WsClient.connect(gate.wsPort, { localAddress: '127.0.0.41' });
    assert.equal(
      await readMetric(gate.metricsPort, 'chat_disconnects_total', { reason: 'address_busy' }),
      refused.length,
    );
    for (const t of open) t.value.close();
    other.close();
    await gate.stop();
  });

  it('refuses connections past the per-address cap', async () => {
    const capped = await fleet.add('ws-gateway', {
      MAX_CONNECTIONS_PER_IP: '2',
      WS_ALLOWED_ORIGINS: 'https://chat.example.com',
    });
    const open = [await WsClient.connect(capped.wsPort), await WsClient.connect(capped.wsPort)];
    await assert.rejects(WsClient.connect(capped.wsPort), /429/);
    const other = await WsClient.connect(capped.wsPort, { localAddress: '127.0.0.3' });
    await assert.rejects(
      WsClient.connect(capped.wsPort, { localAddress: '127.0.0.4', origin: 'http://127.0.0.1' }),
      /403/,
    );
    const listed = await WsClient.connect(capped.wsPort, {
      localAddress: '127.0.0.4',
      origin: 'https://chat.example.com',
    });
    for (const c of [...open, other, listed]) c.close();
  });

  it('disconnects a reader that stops reading once its backlog passes the limit', async () => {
    const roomy = await fleet.add('ws-gateway', {
      RATE_PER_SEC: '5000',
      RATE_BURST: '5000',
      FLOOD_LIMIT: '100000',
      MAX_BACKLOG_BYTES: '262144',
    });
    const { c: writer } = await WsClient.hello(roomy.wsPort, 'wsbulk');
    await writer.request({ type: 'join', room: 'wsbulk' });
    for (let i = 0; i < 100; i++)
      writer.send({ type: 'say', room: 'wsbulk', text: 'z'.repeat(2000), ref: `b${i}` });
    await writer.next('message', (f) => f['ref'] === 'b99', 15_000);
    const { c: slow } = await WsClient.hello(roomy.wsPort, 'wsslow');
    await slow.request({ type: 'join', room: 'wsbulk' });
    (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
    for (let i = 0; i < 200; i++) slow.send({ type: 'history', room: 'wsbulk', limit: 100 });
    const deadline = Date.now() + 20_000;
    while (
      (await readMetric(roomy.metricsPort, 'chat_disconnects_total', { reason: 'slow' })) < 1
    ) {
      assert.ok(Date.now() < deadline, 'the slow reader was not dropped');
      await new Promise((r) => setTimeout(r, 200));
    }
    (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    await slow.closed;
    assert.equal((await writer.request({ type: 'ping' }))['type'], 'pong');
    assert.equal(
      await readMetric(roomy.metricsPort, 'chat_ws_backpressured_sockets'),
      0,
      'a dropped socket leaves the gauge',
    );
    writer.close();
  });

  it('on SIGTERM says bye shutdown, closes with 1001 and exits 0', async () => {
    const leaving = await fleet.add('ws-gateway');
    const { c } = await WsClient.hello(leaving.wsPort, 'wsterm');
    assert.equal(await leaving.stop('SIGTERM'), 0);
    assert.deepEqual(await c.next('bye'), { type: 'bye', reason: 'shutdown' });
    assert.deepEqual(await c.closed, { code: 1001, reason: 'shutdown' });
  });
});
