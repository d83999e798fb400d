import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { conv, createKeys, type Keys, redisTimeMs } from '@chatfleet/store';
import {
  type Fleet,
  JsonClient,
  openCrowd,
  readMetric,
  startFleet,
  waitUntil,
} from '@chatfleet/testing';

/** The id a gateway goes by in Redis: the owner of a nick claimed through it. */
async function gatewayIdOf(fleet: Fleet, keys: Keys, port: number, nick: string) {
  const { c } = await JsonClient.hello(port, nick);
  const gw = await (await fleet.admin()).hget(keys.nick(nick.toLowerCase()), 'gw');
  assert.ok(gw, `no gateway holds ${nick}`);
  return { c, gw };
}

/** Watches the gateways' lease scores against Redis's clock; returns the worst age seen per id. */
function watchLeases(admin: Redis, keys: Keys, ids: string[], signal: AbortSignal) {
  const worst = new Map(ids.map((id) => [id, 0]));
  const done = (async () => {
    while (!signal.aborted) {
      const now = await redisTimeMs({ redis: admin, keys }, keys.gateways());
      for (const id of ids) {
        const score = await admin.zscore(keys.gateways(), id);
        const age = score === null ? Infinity : now - Number(score);
        worst.set(id, Math.max(worst.get(id) ?? 0, age));
      }
      await sleep(200);
    }
  })();
  return { worst, done };
}

describe('a gateway holding 10,000 sessions killed with kill -9', () => {
  it('is cleaned up within 15 s (presence, nicks, matches) and no live gateway is declared dead', async () => {
    const fleet = await startFleet({
      gateways: 0,
      env: { MAX_CONNECTIONS_PER_IP: '20000', MAX_CONNECTS_PER_SEC: '100000', LOG_LEVEL: 'info' },
    });
    const keys = createKeys(fleet.prefix, 16);
    const ac = new AbortController();
    const clients: { close(): void }[] = [];
    try {
      const [big, b, c] = await Promise.all([
        fleet.add('tcp-gateway'),
        fleet.add('tcp-gateway'),
        fleet.add('tcp-gateway'),
      ]);
      const admin = await fleet.admin();
      const idB = await gatewayIdOf(fleet, keys, b!.tcpPort, 'keeper-b');
      const idC = await gatewayIdOf(fleet, keys, c!.tcpPort, 'keeper-c');
      const idBig = await gatewayIdOf(fleet, keys, big!.tcpPort, 'keeper-big');
      clients.push(idB.c, idC.c, idBig.c);
      // 500 strangers wait on gateway b, each with a tag only one user of the big gateway has.
      const partners = await openCrowd(b!.tcpPort, 500, (i) => ({
        frames: [
          { type: 'hello', nick: `p${i}` },
          { type: 'match', tags: [`t${i}`] },
        ],
        until: ['welcome', 'waiting'],
      }));
      clients.push(partners);
      // The big gateway: 9,000 in 900 rooms of ten, 500 matched with b's, 500 waiting.
      const ROOMS = 900;
      const crowd = await openCrowd(big!.tcpPort, 10_000, (i) =>
        i < 9000
          ? {
              frames: [
                { type: 'hello', nick: `u${i}` },
                { type: 'join', room: `big-${i % ROOMS}` },
              ],
              until: ['welcome', 'joined'],
            }
          : i < 9500
            ? {
                frames: [
                  { type: 'hello', nick: `u${i}` },
                  { type: 'match', tags: [`t${i - 9000}`] },
                ],
                until: ['welcome', 'matched'],
              }
            : {
                frames: [
                  { type: 'hello', nick: `u${i}` },
                  { type: 'match', tags: ['nobody'] },
                ],
                until: ['welcome', 'waiting'],
              },
      );
      clients.push(crowd);
      // A watcher on c in ten of the rooms hears the leaves.
      const watcher = await JsonClient.hello(c!.tcpPort, 'watcher');
      clients.push(watcher.c);
      for (let r = 0; r < 10; r++) await watcher.c.request({ type: 'join', room: `big-${r}` });
      assert.equal(await admin.hlen(keys.gatewayState(idBig.gw)), 10_001);

      const leases = watchLeases(admin, keys, [idB.gw, idC.gw], ac.signal);
      const killedAt = Date.now();
      big!.proc.kill('SIGKILL');
      const emptied = async () => {
        const pipe = admin.pipeline();
        for (let r = 0; r < ROOMS; r++) pipe.hlen(keys.members(conv.room(`big-${r}`)));
        const counts = ((await pipe.exec()) ?? []).map(([, n]) => Number(n));
        return counts.every((n, r) => n === (r < 10 ? 1 : 0));
      };
      await waitUntil(emptied, 15_000, 'the rooms emptied of the dead gateway');
      await waitUntil(
        async () => (await admin.exists(keys.gatewayState(idBig.gw))) === 0,
        15_000,
        'its session records gone',
      );
      const cleanedMs = Date.now() - killedAt;
      // No nick of the dead gateway is held live (each is kept for its token), and every
      // partner on b was told.
      const pipe = admin.pipeline();
      for (let i = 0; i < 10_000; i++) pipe.hexists(keys.nick(`u${i}`), 'gw');
      const held = ((await pipe.exec()) ?? []).filter(([, n]) => n === 1).length;
      assert.equal(held, 0);
      await waitUntil(
        async () => {
          for (let i = 0; i < 500; i++) if (partners.seen(i, 'partner_left') < 1) return false;
          return true;
        },
        15_000 - (Date.now() - killedAt),
        'every partner told',
      );
      const toldMs = Date.now() - killedAt;
      assert.equal(await admin.zscore(keys.gateways(), idBig.gw), null);
      ac.abort();
      await leases.done;
      // The survivors kept renewing their leases while one of them reaped 10,000 sessions.
      for (const [id, age] of leases.worst) assert.ok(age < 5000, `${id}: lease ${age} ms old`);
      for (const g of [b!, c!]) {
        assert.equal(await readMetric(g.metricsPort, 'chat_gateway_declared_dead_total'), 0);
        assert.ok(!g.logs().includes(`"gw":"${idB.gw}","sessions"`));
      }
      const reaped =
        (await readMetric(b!.metricsPort, 'chat_gateway_reaped_sessions_total')) +
        (await readMetric(c!.metricsPort, 'chat_gateway_reaped_sessions_total'));
      assert.equal(reaped, 10_001);
      console.log(
        `# 10,001 sessions cleaned ${cleanedMs} ms after kill -9, every partner told at ${toldMs} ms`,
      );
    } finally {
      ac.abort();
      for (const c of clients) c.close();
      await fleet.stop();
    }
  });
});

describe('gateways whose hosts disagree about the time', () => {
  it('with clocks 30 s ahead and behind, nobody is declared dead and a dead one is still reaped in time', async () => {
    const env = { GATEWAY_TIMEOUT_MS: '2000', HEARTBEAT_MS: '400', LEASE_MS: '6000' };
    const fleet = await startFleet({ gateways: 0, env });
    const keys = createKeys(fleet.prefix, 16);
    const clients: JsonClient[] = [];
    try {
      const [plain, ahead, behind] = await Promise.all([
        fleet.add('tcp-gateway'),
        fleet.add('tcp-gateway', { CLOCK_SKEW_MS: '30000' }),
        fleet.add('tcp-gateway', { CLOCK_SKEW_MS: '-30000' }),
      ]);
      const users = await Promise.all(
        [plain!, ahead!, behind!].map((g, i) => JsonClient.hello(g.tcpPort, `clock${i}`)),
      );
      for (const u of users) clients.push(u.c);
      for (const u of users) await u.c.request({ type: 'join', room: 'clocks' });
      // Three timeouts: long enough for a wrong clock to get someone declared dead.
      await sleep(6000);
      for (const g of [plain!, ahead!, behind!]) {
        assert.equal(await readMetric(g.metricsPort, 'chat_gateway_reaps_total'), 0);
        assert.equal(await readMetric(g.metricsPort, 'chat_gateway_declared_dead_total'), 0);
      }
      const [, u1, u2] = users;
      await u2!.c.request({ type: 'say', room: 'clocks', text: 'from behind' });
      const heard = await u1!.c.next('message', (f) => f['text'] === 'from behind');
      assert.equal(heard['from'], 'clock2');
      // Strangers on the skewed gateways are paired (tickets are dated by Redis).
      u1!.c.send({ type: 'match' });
      u2!.c.send({ type: 'match' });
      await u1!.c.next('matched', () => true, 5000);
      // A gateway whose clock runs ahead is reaped on time once it dies.
      const killedAt = Date.now();
      ahead!.proc.kill('SIGKILL');
      await users[0]!.c.next(
        'presence',
        (f) => f['event'] === 'leave' && f['nick'] === 'clock1',
        10_000,
      );
      assert.ok(Date.now() - killedAt < 8000);
      assert.equal(await (await fleet.admin()).hexists(keys.nick('clock1'), 'gw'), 0);
    } finally {
      for (const c of clients) c.close();
      await fleet.stop();
    }
  });
});

describe('leases on what a gateway holds', () => {
  it('lets nicks, member lists and session records expire when no gateway is left to reap', async () => {
    const env = { GATEWAY_TIMEOUT_MS: '1000', HEARTBEAT_MS: '300', LEASE_MS: '3000' };
    const fleet = await startFleet({ gateways: 1, env, matchmaker: false });
    const keys = createKeys(fleet.prefix, 16);
    try {
      const admin = await fleet.admin();
      const { c, gw } = await gatewayIdOf(fleet, keys, fleet.gateways[0]!.tcpPort, 'lonely');
      await c.request({ type: 'join', room: 'lease-room' });
      const held = [
        keys.nick('lonely'),
        keys.members(conv.room('lease-room')),
        keys.gatewayState(gw),
      ];
      // While the gateway lives, it renews them past their first lease.
      await sleep(4000);
      for (const k of held) assert.equal(await admin.exists(k), 1, `${k} lapsed while renewed`);
      fleet.gateways[0]!.proc.kill('SIGKILL');
      c.close();
      await waitUntil(
        async () => (await admin.exists(...held)) === 0,
        6000,
        'the leases to run out',
      );
      // The room's name goes from the index the next time anyone lists rooms.
      assert.equal(await admin.sismember(keys.roomIndex(), 'lease-room'), 1);
      const next = await fleet.add('tcp-gateway', env);
      const { c: lister } = await JsonClient.hello(next.tcpPort, 'lister');
      const rooms = await lister.request({ type: 'rooms' });
      assert.deepEqual(rooms['rooms'], []);
      assert.equal(await admin.sismember(keys.roomIndex(), 'lease-room'), 0);
      lister.close();
    } finally {
      await fleet.stop();
    }
  });

  it('keeps a gateway listed until its cleanup is done, then a reaper finishes it', async () => {
    const env = { GATEWAY_TIMEOUT_MS: '1000', HEARTBEAT_MS: '300', SHUTDOWN_GRACE_MS: '1000' };
    const fleet = await startFleet({ gateways: 1, env, matchmaker: false });
    const keys = createKeys(fleet.prefix, 16);
    try {
      const admin = await fleet.admin();
      const leaving = await fleet.add('tcp-gateway');
      const { c, gw } = await gatewayIdOf(fleet, keys, leaving.tcpPort, 'stuck');
      await c.request({ type: 'join', room: 'stuck-room' });
      // The room's member list becomes something the leave cannot touch: cleanup fails.
      const members = keys.members(conv.room('stuck-room'));
      await admin.del(members);
      await admin.set(members, 'not a hash');
      assert.equal(await leaving.stop('SIGTERM'), 0);
      assert.notEqual(await admin.zscore(keys.gateways(), gw), null);
      assert.equal(await admin.hlen(keys.gatewayState(gw)), 1);
      // Reapers retry; once the list can be cleaned, the gateway is gone with nothing left.
      await sleep(2500);
      assert.notEqual(await admin.zscore(keys.gateways(), gw), null);
      await admin.del(members);
      await waitUntil(
        async () => (await admin.zscore(keys.gateways(), gw)) === null,
        5000,
        'the reaper to finish',
      );
      assert.equal(await admin.exists(keys.gatewayState(gw)), 0);
      assert.equal(await admin.hexists(keys.nick('stuck'), 'gw'), 0);
    } finally {
      await fleet.stop();
    }
  });
});

describe('what a finished match leaves behind', () => {
  it('expires the match room’s messages, position and history MATCH_KEEP_MS after it ended', async () => {
    const fleet = await startFleet({ gateways: 1, env: { MATCH_KEEP_MS: '1500' } });
    const keys = createKeys(fleet.prefix, 16);
    try {
      const admin = await fleet.admin();
      const port = fleet.gateways[0]!.tcpPort;
      const { c: a } = await JsonClient.hello(port, 'keepa');
      const { c: b } = await JsonClient.hello(port, 'keepb');
      a.send({ type: 'match' });
      b.send({ type: 'match' });
      const room = String((await a.next('matched', () => true, 10_000))['room']);
      await b.next('matched', () => true, 10_000);
      await a.request({ type: 'say', room, text: 'short-lived' });
      const c = conv.room(room);
      const kept = [keys.pos(c), keys.window(c), keys.history(c)];
      await waitUntil(async () => (await admin.exists(...kept)) === 3, 5000, 'history written');
      a.close();
      await b.next('partner_left');
      await waitUntil(async () => (await admin.exists(...kept)) === 0, 5000, 'the keys to expire');
      b.close();
    } finally {
      await fleet.stop();
    }
  });
});

describe('a gateway reconciling its session records', () => {
  it('cleans up a record whose session it no longer holds (a cleanup lost while Redis was away)', async () => {
    const env = { HEARTBEAT_MS: '200' };
    const fleet = await startFleet({ gateways: 1, env, matchmaker: false });
    const keys = createKeys(fleet.prefix, 16);
    try {
      const admin = await fleet.admin();
      const { c, gw } = await gatewayIdOf(fleet, keys, fleet.gateways[0]!.tcpPort, 'living');
      await c.request({ type: 'join', room: 'haunt' });
      const members = keys.members(conv.room('haunt'));
      // What a session that closed while Redis was away leaves behind: its record and membership.
      await admin.hset(members, 'ghost', JSON.stringify({ nick: 'ghost', sid: 'ghost-sid' }));
      await admin.hset(
        keys.gatewayState(gw),
        'ghost-sid',
        JSON.stringify({ nick: 'ghost', rooms: ['haunt'] }),
      );
      await waitUntil(
        async () => (await admin.hexists(keys.gatewayState(gw), 'ghost-sid')) === 0,
        5000,
        'the stray record to go',
      );
      assert.equal(await admin.hexists(members, 'ghost'), 0);
      // The living session's own record and membership stay.
      assert.equal(await admin.hexists(members, 'living'), 1);
      assert.equal(await admin.hlen(keys.gatewayState(gw)), 1);
      c.close();
    } finally {
      await fleet.stop();
    }
  });
});
