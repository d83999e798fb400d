import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { createKeys, type Keys } from '@chatfleet/store';
import {
  type Fleet,
  JsonClient,
  LineClient,
  startFleet,
  waitUntil,
  WsClient,
  runAdmin,
} from '@chatfleet/testing';

describe('chatfleet-admin: bans and kicks, fleet-wide', () => {
  let fleet: Fleet;
  let tcp: number;
  let ws: number;
  let redis: Redis;
  let keys: Keys;
  before(async () => {
    fleet = await startFleet({ gateways: 1, wsGateways: 1, matchmaker: false });
    tcp = fleet.gateways[0]!.tcpPort;
    ws = fleet.wsGateways[0]!.wsPort;
    redis = await fleet.admin();
    keys = createKeys(fleet.prefix, 16);
  });
  after(() => fleet.stop());

  it('bans an identity by nick: its connection ends within a second, and its token is refused', async () => {
    const { c: onTcp, welcome } = await JsonClient.hello(tcp, 'spammer');
    const { c: onWs } = await WsClient.hello(ws, 'bystander');
    const run = await runAdmin(fleet, ['ban', 'spammer', '--reason', 'links to scams']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /banned: identity \S+ \(spammer\) for good/);
    const err = await onTcp.next('error', (f) => f['code'] === 'banned', 1000);
    assert.match(String(err['message']), /you are banned for good: links to scams/);
    assert.equal((await onTcp.next('bye', () => true, 1000))['reason'], 'banned');
    await onTcp.closed;
    // Nobody else is touched.
    assert.equal((await onWs.request({ type: 'ping' }))['type'], 'pong');
    // Back with the token: refused at hello, on either gateway.
    for (const c of [await JsonClient.connect(tcp), await WsClient.connect(ws)]) {
      const hello = await c.frames.request((f) => c.send(f), {
        type: 'hello',
        nick: 'spammer',
        token: welcome['token'],
      });
      assert.equal(hello['code'], 'banned');
      assert.equal((await c.frames.next('bye'))['reason'], 'banned');
    }
    // Without the token it is somebody new (that is what address bans are for).
    const { c: fresh } = await JsonClient.hello(tcp, 'spammer2');
    fresh.close();
    onWs.close();
  });

  it('ends a banned identity on the WebSocket gateway too, and lifts the ban with unban', async () => {
    const { c, welcome } = await WsClient.hello(ws, 'wsuser');
    const run = await runAdmin(fleet, ['ban', 'wsuser', '--for', '1h']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(String((await c.frames.next('error', () => true, 1000))['message']), /until 20/);
    assert.equal((await c.frames.next('bye', () => true, 1000))['reason'], 'banned');
    const lifted = await runAdmin(fleet, ['unban', 'wsuser']);
    assert.equal(lifted.code, 0, lifted.stderr);
    assert.match(lifted.stdout, /lifted: identity/);
    await waitUntil(
      async () => {
        const again = await WsClient.hello(ws, 'wsuser', String(welcome['token'])).catch(
          () => undefined,
        );
        again?.c.close();
        return again?.welcome['nick'] === 'wsuser';
      },
      5000,
      'welcomed again after unban',
    );
  });

  it('bans an address and a /24 on both gateways, ending their connections', async () => {
    const t1 = await helloFrom(tcp, '127.0.0.7');
    const w1 = await WsClient.connect(ws, { localAddress: '127.0.0.7' });
    const t2 = await helloFrom(tcp, '127.0.0.8');
    const run = await runAdmin(fleet, ['ban', '--address', '127.0.0.7', '--reason', 'raid']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      String((await t1.next('error', () => true, 1000))['message']),
      /your address is banned/,
    );
    assert.equal((await w1.frames.next('bye', () => true, 1000))['reason'], 'banned');
    assert.deepEqual(await w1.closed, { code: 4003, reason: 'banned' });
    // A new connection from it is refused at once, with the code of its own.
    const line = await LineClient.connect(tcp, '127.0.0.7');
    assert.match(await line.waitLine('"code":"banned"'), /your address is banned for good: raid/);
    await line.closed;
    const w2 = await WsClient.connect(ws, { localAddress: '127.0.0.7' });
    assert.equal((await w2.frames.next('error'))['code'], 'banned');
    await w2.closed;
    // Its neighbour is not.
    assert.equal((await t2.request({ type: 'ping' }))['type'], 'pong');
    // A /24 reaches the neighbours.
    assert.equal((await runAdmin(fleet, ['ban', '--address', '127.0.0.0/24'])).code, 0);
    assert.equal((await t2.next('bye', () => true, 1000))['reason'], 'banned');
    assert.equal((await runAdmin(fleet, ['unban', '--address', '127.0.0.0/24'])).code, 0);
    assert.equal((await runAdmin(fleet, ['unban', '--address', '127.0.0.7'])).code, 0);
    await waitUntil(
      async () => {
        const c = await helloFrom(tcp, '127.0.0.7').catch(() => undefined);
        c?.close();
        return c !== undefined;
      },
      5000,
      'let in again',
    );
    t1.close();
  });

  it('lets a ban run out on time', async () => {
    assert.equal((await runAdmin(fleet, ['ban', '--address', '127.0.0.9', '--for', '3s'])).code, 0);
    const refused = await LineClient.connect(tcp, '127.0.0.9');
    await refused.waitLine('"code":"banned"');
    await sleep(3200);
    const c = await helloFrom(tcp, '127.0.0.9');
    assert.equal((await c.request({ type: 'ping' }))['type'], 'pong');
    c.close();
    const bans = await runAdmin(fleet, ['bans', '--json']);
    assert.ok(!bans.json<{ value: string }[]>().some((b) => b.value === '127.0.0.9'));
  });

  it('kicks a nick wherever it is connected, with the reason, and it may come back', async () => {
    const { c, welcome } = await WsClient.hello(ws, 'noisy');
    const run = await runAdmin(fleet, ['kick', 'noisy', '--reason', 'calm down']);
    assert.equal(run.code, 0, run.stderr);
    const bye = await c.frames.next('bye', () => true, 1000);
    assert.deepEqual(bye, { type: 'bye', reason: 'kicked', message: 'calm down' });
    assert.deepEqual(await c.closed, { code: 4002, reason: 'kicked' });
    await waitUntil(
      async () => {
        const token = String(welcome['token']);
        const back = await JsonClient.hello(tcp, 'noisy', token).catch(() => undefined);
        back?.c.close();
        return back?.welcome['nick'] === 'noisy';
      },
      5000,
      'back after a kick',
    );
  });

  it('refuses bad input clearly and changes nothing', async () => {
    const before = await Promise.all([redis.hlen(keys.bans()), redis.xlen(keys.audit())]);
    const cases: [string[], number, RegExp][] = [
      [['ban', 'nobody-here'], 1, /nobody is called nobody-here/],
      [['kick', 'nobody-here'], 1, /nobody is called nobody-here/],
      [['ban', '--address', '300.1.2.3'], 2, /not an IPv4 or IPv6 address/],
      [['ban', '--address', '10.1.0.0/16'], 2, /must be a \/24/],
      [['unban', '--address', '10.9.9.9'], 1, /no ban on 10.9.9.9/],
      [['ban', '--ident', 'short'], 2, /not an identity id/],
    ];
    for (const [args, code, re] of cases) {
      const r = await runAdmin(fleet, args);
      assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, re);
    }
    const json = await runAdmin(fleet, ['kick', 'nobody-here', '--json']);
    assert.equal(json.json<{ error: { code: string } }>().error.code, 'no_such_nick');
    // A nick kept for its token but not connected cannot be kicked.
    const { c } = await JsonClient.hello(tcp, 'away');
    c.close();
    await waitUntil(async () => !(await redis.hexists(keys.nick('away'), 'gw')), 5000, 'held');
    assert.match((await runAdmin(fleet, ['kick', 'away'])).stderr, /away is not connected now/);
    assert.deepEqual(
      await Promise.all([redis.hlen(keys.bans()), redis.xlen(keys.audit())]),
      before,
    );
  });

  it('keeps every action in the audit stream: who, what, why', async () => {
    const r = await runAdmin(fleet, ['audit', '--json', '--limit', '100']);
    const entries = r.json<{ by: string; action: string; target: string; reason: string }[]>();
    const actions = entries.map((e) => e.action);
    for (const a of ['ban', 'unban', 'kick']) assert.ok(actions.includes(a), a);
    const scam = entries.find((e) => e.reason === 'links to scams');
    assert.equal(scam?.by, 'mod');
    assert.match(scam?.target ?? '', /^ident:/);
  });
});

/** Connects from one loopback address over NDJSON and says hello. */
async function helloFrom(port: number, address: string): Promise<JsonClient> {
  const c = await JsonClient.connect(port, address);
  c.send({ type: 'hello' });
  await c.next('welcome');
  return c;
}
