import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Cluster } from 'ioredis';
import {
  createLogger,
  createRedisMetrics,
  createRegistry,
  type RedisClient,
} from '@chatfleet/runtime';
import {
  conv,
  DEFAULT_STORE_LIMITS,
  type GatewayBackend,
  readHistory,
  type LiveEnvelope,
  redisGatewayBackend,
  slotOf,
  type StoreLimits,
  UnconfirmedError,
} from '@chatfleet/store';
import { waitUntil } from '../ports.js';
import { startRedisCluster, type TestCluster } from '../cluster.js';
import { clusterClient, redisClient, startRedis } from '../redis-server.js';
import { dropFromWindow, windowIds } from '../window.js';

type Heard = { conv: string; env: LiveEnvelope | undefined };

/** Where a backend runs: one redis-server, or a 3-primary cluster. */
interface Target {
  url: string;
  cluster: boolean;
  admin: RedisClient;
  /** Drops every subscriber connection, as a network fault would. */
  killSubscribers(): Promise<void>;
  destroy(): Promise<void>;
}

async function singleTarget(): Promise<Target> {
  const redis = await startRedis();
  const admin = await redisClient(redis.url);
  return {
    url: redis.url,
    cluster: false,
    admin,
    killSubscribers: async () => void (await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub')),
    async destroy() {
      admin.disconnect();
      await redis.destroy();
    },
  };
}

async function clusterTarget(): Promise<Target> {
  const cluster = await startRedisCluster();
  const admin = await clusterClient(cluster.url);
  return {
    url: cluster.url,
    cluster: true,
    admin,
    async killSubscribers() {
      for (const n of await cluster.nodes()) {
        if (n.primary) await (await cluster.admin(n.port)).call('CLIENT', 'KILL', 'TYPE', 'pubsub');
      }
    },
    async destroy() {
      admin.disconnect();
      await cluster.destroy();
    },
  };
}

/**
 * A backend on a fresh prefix, and what its broker's one listener heard. With `catchUp`, the
 * listener does on `up` what the gateway does: reads what came after the last message it heard
 * of each conversation (the broker's promise is "heard live, or in the window after `up`").
 */
async function open(
  target: Target,
  o: { catchUp?: boolean; settleEveryMs?: number; limits?: Partial<StoreLimits> } = {},
) {
  const backend: GatewayBackend = redisGatewayBackend({
    url: target.url,
    cluster: target.cluster,
    service: 'broker-test',
    prefix: `t${randomBytes(4).toString('hex')}`,
    partitions: 4,
    limits: { ...DEFAULT_STORE_LIMITS, ...o.limits },
    clockSkewMs: 0,
    ...(o.settleEveryMs ? { settleEveryMs: o.settleEveryMs } : {}),
    log: createLogger('broker-test', 'silent'),
    metrics: createRedisMetrics(createRegistry('broker-test', 'test'), [
      'commands',
      'subscriber',
      'blocking',
    ]),
  });
  const heard: Heard[] = [];
  const links: string[] = [];
  const catchUp = async (c: string) => {
    const last = heard.findLast((h) => h.conv === c && h.env?.k === 'm')?.env;
    if (last?.k !== 'm' || last.e === undefined) return;
    const got = await backend.broker.catchUp(c, { epoch: last.e, id: last.m.id });
    const ids = new Set(heard.flatMap((h) => (h.env?.k === 'm' ? [h.env.m.id] : [])));
    for (const m of got.messages)
      if (!ids.has(m.id)) heard.push({ conv: c, env: { k: 'm', sid: '', e: got.pos.epoch, m } });
  };
  backend.broker.listen({
    message: (c, env) => heard.push({ conv: c, env }),
    down: (convs) => links.push(`down ${convs?.join(',') ?? 'all'}`),
    up: (convs) => {
      links.push(`up ${convs?.join(',') ?? 'all'}`);
      if (o.catchUp) for (const c of convs ?? []) void catchUp(c);
    },
  });
  await backend.connect();
  return { backend, heard, links };
}

const say = (b: GatewayBackend, room: string, text: string) =>
  b.broker.publish({ conv: conv.room(room), room, from: 'ada', text, publish: true, sid: 's1' });

const backendKey = (b: GatewayBackend, kind: 'pos' | 'window', c: string) => b.store.keys[kind](c);

const texts = (heard: Heard[], room: string) =>
  heard.flatMap((h) => (h.conv === conv.room(room) && h.env?.k === 'm' ? [h.env.m.text] : []));

// What the gateway core relies on of a ConversationBroker and a Presence, checked on the Redis
// implementations over a real redis-server and over a real 3-primary Redis Cluster.
for (const [name, start] of [
  ['Redis', singleTarget],
  ['Redis Cluster', clusterTarget],
] as const) {
  describe(`the ${name} backend keeps the broker and presence contracts`, () => {
    let target: Target;
    let admin: RedisClient;
    before(async () => {
      target = await start();
      admin = target.admin;
    });
    after(async () => {
      await target.destroy();
    });

    it('hands a message to the listener once its subscription is confirmed, stamped in order', async () => {
      const { backend, heard } = await open(target);
      assert.ok(backend.broker.connected());
      await backend.broker.subscribe([conv.room('tea')]);
      const m1 = await say(backend, 'tea', 'one');
      const m2 = await say(backend, 'tea', 'two');
      assert.deepEqual([m1.seq, m2.seq], [1, 2]);
      assert.ok(m2.id > m1.id && m1.epoch !== '' && m2.epoch === m1.epoch);
      await waitUntil(() => texts(heard, 'tea').length === 2, 5000, 'both messages');
      const envs = heard.map((h) => h.env);
      assert.deepEqual(
        envs.map((e) => (e?.k === 'm' ? [e.m.id, e.m.seq, e.e] : e?.k)),
        [
          [m1.id, 1, m1.epoch],
          [m2.id, 2, m1.epoch],
        ],
      );
      await backend.close();
    });

    it('stops handing over a conversation once unsubscribed', async () => {
      const { backend, heard } = await open(target);
      await backend.broker.subscribe([conv.room('a'), conv.room('b')]);
      backend.broker.unsubscribe(conv.room('a'));
      await say(backend, 'a', 'not for us');
      await say(backend, 'b', 'for us');
      // One publisher, one subscriber connection: b's message comes after a's would have.
      await waitUntil(() => texts(heard, 'b').length === 1, 5000, "b's message");
      assert.deepEqual(texts(heard, 'a'), []);
      await backend.close();
    });

    it('says down when its subscriptions drop, and up once it subscribed them again itself', async () => {
      const { backend, heard, links } = await open(target);
      const c = conv.room('kill');
      await backend.broker.subscribe([c]);
      await target.killSubscribers();
      await waitUntil(
        () => links.some((l) => l.startsWith('down')) && links.at(-1)?.startsWith('up') === true,
        10_000,
        'down, then up',
      );
      assert.ok(backend.broker.connected());
      // Confirmed by Redis before `up`: nothing published after it is missed.
      await say(backend, 'kill', 'after up');
      await waitUntil(() => texts(heard, 'kill').length > 0, 5000, 'a message after up');
      assert.deepEqual(texts(heard, 'kill'), ['after up']);
      await backend.close();
    });

    it('catches up from an id: the position, and every message after it in order', async () => {
      const { backend } = await open(target);
      const c = conv.room('window');
      assert.deepEqual(await backend.broker.position(c), { epoch: '', seq: 0, id: 0 });
      const sent = [];
      for (const t of ['x', 'y', 'z']) sent.push(await say(backend, 'window', t));
      const got = await backend.broker.catchUp(c, { epoch: sent[0]!.epoch, id: sent[0]!.id });
      assert.deepEqual(
        got.messages.map((m) => m.text),
        ['y', 'z'],
      );
      assert.deepEqual(got.pos, { epoch: sent[0]!.epoch, seq: 3, id: sent[2]!.id });
      assert.deepEqual(await backend.broker.position(c), got.pos);
      await backend.close();
    });

    it('starts a new epoch when the caller saw a message Redis no longer has', async () => {
      const { backend } = await open(target);
      const c = conv.room('failover');
      const kept = await say(backend, 'failover', 'kept');
      // What a failover to a replica that lagged leaves: the last message and its position gone.
      const snapshot = await admin.hgetall(backendKey(backend, 'pos', c));
      const lost = await say(backend, 'failover', 'lost');
      await dropFromWindow(admin, backendKey(backend, 'window', c), lost.id);
      await admin.hset(backendKey(backend, 'pos', c), snapshot);
      const got = await backend.broker.catchUp(c, { epoch: lost.epoch, id: lost.id });
      assert.notEqual(got.pos.epoch, kept.epoch);
      assert.equal(got.pos.seq, 0);
      assert.deepEqual(got.messages, []);
      // Seq starts again in the new epoch; ids stay above everything anyone saw.
      const next = await say(backend, 'failover', 'next');
      assert.deepEqual([next.epoch, next.seq], [got.pos.epoch, 1]);
      assert.ok(next.id > lost.id);
      // A caller that saw only what Redis kept changes nothing.
      const again = await backend.broker.catchUp(c, { epoch: next.epoch, id: next.id });
      assert.deepEqual(again.pos, { epoch: next.epoch, seq: 1, id: next.id });
      await backend.close();
    });

    it('stamps the first message after a loss in a new epoch instead of reusing a seq', async () => {
      const { backend } = await open(target);
      const c = conv.room('resend');
      await say(backend, 'resend', 'one');
      const snapshot = await admin.hgetall(backendKey(backend, 'pos', c));
      const lost = await say(backend, 'resend', 'two');
      await dropFromWindow(admin, backendKey(backend, 'window', c), lost.id);
      await admin.hset(backendKey(backend, 'pos', c), snapshot);
      const m = await backend.broker.publish({
        conv: c,
        room: 'resend',
        from: 'ada',
        text: 'three',
        publish: true,
        sid: 's1',
        seen: { epoch: lost.epoch, id: lost.id },
      });
      assert.notEqual(m.epoch, lost.epoch);
      assert.equal(m.seq, 1);
      assert.ok(m.id > lost.id);
      await backend.close();
    });

    it('keeps the last windowMax messages and at most a sixteenth more, and catches up from any of them', async () => {
      const windowMax = 32;
      const { backend } = await open(target, { limits: { recentMax: windowMax } });
      const c = conv.room('full');
      const sent = [];
      for (let i = 0; i < 3 * windowMax + 7; i++) sent.push(await say(backend, 'full', `m${i}`));
      const kept = await windowIds(admin, backendKey(backend, 'window', c));
      assert.ok(kept.length >= windowMax && kept.length <= windowMax + 2, `${kept.length} kept`);
      assert.deepEqual(
        kept,
        sent.slice(-kept.length).map((m) => m.id),
      );
      // Every starting point: each kept id, and one trimmed away (it was not lost: older).
      const epoch = sent[0]!.epoch;
      for (const id of [sent[0]!.id, ...kept]) {
        const got = await backend.broker.catchUp(c, { epoch, id });
        assert.deepEqual(
          got.messages.map((m) => m.id),
          kept.filter((k) => k > id),
          `catch-up from ${id}`,
        );
        assert.equal(got.pos.epoch, epoch, `catch-up from ${id} kept the epoch`);
      }
      await backend.close();
    });

    it('pages history through the window by id, back from the newest and forward from a gap', async () => {
      const { backend } = await open(target, { limits: { recentMax: 40 } });
      const c = conv.room('pages');
      const ids = [];
      for (let i = 0; i < 40; i++) ids.push((await say(backend, 'pages', `p${i}`)).id);
      const page = async (range: { before?: number; after?: number }, limit: number) =>
        (await readHistory(backend.store, c, range, limit)).map((m) => m.id);
      assert.deepEqual(await page({}, 5), ids.slice(-5));
      assert.deepEqual(await page({ before: ids[10]! }, 5), ids.slice(5, 10));
      assert.deepEqual(await page({ before: ids[2]! }, 5), ids.slice(0, 2));
      assert.deepEqual(await page({ after: ids[10]! }, 5), ids.slice(11, 16));
      assert.deepEqual(await page({ after: ids[10]!, before: ids[13]! }, 5), ids.slice(11, 13));
      assert.deepEqual(
        await page({ after: ids[10]! - 1, before: ids[12]! + 1 }, 9),
        ids.slice(10, 13),
      );
      assert.deepEqual(await page({ after: ids.at(-1)! }, 5), []);
      await backend.close();
    });

    it("gives a conversation's keys their expiry with its first message, and again when its window was lost alone", async () => {
      const ttlMs = 3_600_000;
      const { backend } = await open(target, { limits: { recentTtlMs: ttlMs } });
      const c = conv.room('ttl');
      const ttls = () =>
        Promise.all(
          [backendKey(backend, 'pos', c), backendKey(backend, 'window', c)].map((k) =>
            admin.pttl(k),
          ),
        );
      await say(backend, 'ttl', 'first');
      for (const t of await ttls()) assert.ok(t > ttlMs - 60_000 && t <= ttlMs, `ttl ${t}`);
      // Renewed once per 1/32 of the expiry, not with every message.
      await admin.pexpire(backendKey(backend, 'pos', c), 1_000_000);
      await say(backend, 'ttl', 'second');
      assert.ok((await admin.pttl(backendKey(backend, 'pos', c))) <= 1_000_000);
      // A window deleted alone comes back with an expiry, though its position was renewed.
      await admin.del(backendKey(backend, 'window', c));
      await say(backend, 'ttl', 'third');
      const w = await admin.pttl(backendKey(backend, 'window', c));
      assert.ok(w > ttlMs - 60_000, `the new window's ttl ${w}`);
      // And when the last renewal is 1/32 of the expiry old, all are renewed.
      await admin.hset(
        backendKey(backend, 'pos', c),
        'renewed',
        String(Date.now() - ttlMs / 32 - 1000),
      );
      await say(backend, 'ttl', 'fourth');
      for (const t of await ttls()) assert.ok(t > ttlMs - 60_000, `ttl ${t} after a due renewal`);
      await backend.close();
    });

    it('stamps ids above a window that outlived its position', async () => {
      const { backend } = await open(target);
      const c = conv.room('orphan');
      const first = await say(backend, 'orphan', 'first');
      // A window whose newest message is far ahead of the clock, then its position gone.
      const ahead = first.id + 3_600_000_000;
      const w = backendKey(backend, 'window', c);
      const raw = (await admin.lindex(w, -1)) ?? '';
      await admin.rpush(w, raw.replace(`"id":${first.id},`, `"id":${ahead},`));
      await admin.del(backendKey(backend, 'pos', c));
      const next = await say(backend, 'orphan', 'next');
      assert.ok(next.id > ahead, `${next.id} after ${ahead}`);
      assert.notEqual(next.epoch, first.epoch);
      assert.equal(next.seq, 1);
      await backend.close();
    });

    it('tells the room of joins and leaves, in order with its messages', async () => {
      const { backend, heard } = await open(target);
      const { presence, broker } = backend;
      await broker.subscribe([conv.room('hall')]);
      const j = await presence.join('hall', 'ada', 's1');
      assert.equal(j.count, 1);
      await say(backend, 'hall', 'hello');
      await presence.join('hall', 'bob', 's2');
      assert.deepEqual(await presence.members('hall'), ['ada', 'bob']);
      // Only the session holding the place can give it up.
      assert.equal(await presence.leave('hall', 'bob', 'someone-else'), -1);
      assert.equal(await presence.leave('hall', 'bob', 's2'), 1);
      assert.deepEqual(await presence.members('hall'), ['ada']);
      await waitUntil(() => heard.length >= 4, 5000, 'presence and the message');
      assert.deepEqual(
        heard.map((h) => (h.env?.k === 'p' ? `${h.env.event} ${h.env.nick}` : h.env?.k)),
        ['join ada', 'm', 'join bob', 'leave bob'],
      );
      await backend.close();
    });
  });
}

/** Sends until the cluster takes it (a failover answers `unavailable` for a while). */
async function sayEventually(b: GatewayBackend, room: string, text: string): Promise<void> {
  await waitUntil(() => say(b, room, text).then(() => true), 20_000, `a send to ${room} accepted`);
}

// What moving slots does to the cluster broker: each conversation on a shard that moved goes
// down, is subscribed at the new owner, and comes up; the other shards notice nothing.
describe('the Redis Cluster broker follows slots that move', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await startRedisCluster();
  });
  after(async () => {
    await cluster.destroy();
  });
  const target = () =>
    ({ url: cluster.url, cluster: true }) as Pick<Target, 'url' | 'cluster'> as Target;

  const subscribers = async (port: number) =>
    String(await (await cluster.admin(port)).call('CLIENT', 'LIST', 'TYPE', 'pubsub'))
      .split('\n')
      .filter((l) => l.includes('name=broker-test-sub')).length;

  it('hears conversations on every shard with one subscriber connection per primary', async () => {
    const { backend, heard } = await open(target());
    const rooms = await cluster.onePerPrimary(
      (i) => `r${i}`,
      (r) => backend.store.keys.live(conv.room(r)),
    );
    assert.equal(rooms.size, 3);
    await backend.broker.subscribe([...rooms.values()].map((r) => conv.room(r)));
    for (const r of rooms.values()) await say(backend, r, `in ${r}`);
    await waitUntil(() => heard.length === 3, 5000, 'one message per shard');
    for (const port of rooms.keys()) assert.equal(await subscribers(port), 1);
    await backend.close();
  });

  // ACK_REPLICAS on a cluster: WAIT must run on the node that ran the send, right after it.
  it('with ACK_REPLICAS=1, confirms a send once the replica of its own shard has it', async () => {
    const { backend } = await open(target(), {
      limits: { ackReplicas: 1, ackReplicasTimeoutMs: 300 },
    });
    const rooms = await cluster.onePerPrimary(
      (i) => `ack${i}`,
      (r) => backend.store.keys.live(conv.room(r)),
    );
    for (const r of rooms.values()) await say(backend, r, 'confirmed');
    const [port, frozen] = [...rooms.entries()][0]!;
    const primary = (await cluster.nodes()).find((n) => n.port === port)!;
    const replica = (await cluster.nodes()).find((n) => n.of === primary.id)!;
    cluster.server(replica.port).freeze();
    try {
      await assert.rejects(say(backend, frozen, 'unconfirmed'), UnconfirmedError);
      for (const r of rooms.values()) if (r !== frozen) await say(backend, r, 'other shards');
    } finally {
      cluster.server(replica.port).thaw();
    }
    await backend.close();
  });

  // An old slot map (nodes learn a failover by gossip) can put a subscription on a replica,
  // which is sent its shard's messages only once its primary knows it: it must not stay there.
  it('moves a conversation subscribed on a replica to its primary, down and up, and hears on', async () => {
    const { backend, heard, links } = await open(target(), { catchUp: true, settleEveryMs: 500 });
    const room = 'on-a-replica';
    const c = conv.room(room);
    const slot = slotOf(backend.store.keys.live(c));
    const primary = await cluster.ownerOf(slot);
    const replica = (await cluster.nodes()).find((n) => n.of === primary.id)!;
    await say(backend, room, 'first');
    const map = (backend.store.redis as Cluster).slots;
    const primaryKey = map[slot]![0]!;
    map[slot] = [primaryKey.replace(/:\d+$/, `:${replica.port}`)];
    await backend.broker.subscribe([c]);
    assert.equal(await subscribers(replica.port), 1, 'subscribed on the replica');
    await waitUntil(() => links.includes(`up ${c}`), 10_000, 'moved to the primary');
    assert.deepEqual(
      links.filter((l) => l !== 'up all'),
      [`down ${c}`, `up ${c}`],
    );
    assert.equal(await subscribers(replica.port), 0);
    assert.equal(await subscribers(primary.port), 1);
    await say(backend, room, 'after the move');
    await waitUntil(
      () => texts(heard, room).includes('after the move'),
      5000,
      'heard at the primary',
    );
    await backend.close();
  });

  for (const fault of ['CLUSTER FAILOVER', 'a slot migrated', 'kill -9 of the primary'] as const) {
    it(`after ${fault}, takes only that shard's conversations down and up, and hears what follows`, async () => {
      const { backend, heard, links } = await open(target(), { catchUp: true });
      const rooms = await cluster.onePerPrimary(
        (i) => `r${i}`,
        (r) => backend.store.keys.live(conv.room(r)),
      );
      await backend.broker.subscribe([...rooms.values()].map((r) => conv.room(r)));
      for (const r of rooms.values()) await say(backend, r, `before ${r}`);
      await waitUntil(() => heard.length === rooms.size, 5000, 'one message per shard before');
      const [port, room] = [...rooms.entries()][0]!;
      const moved = conv.room(room);
      const slot = slotOf(backend.store.keys.live(moved));
      if (fault === 'CLUSTER FAILOVER') {
        const primary = await cluster.ownerOf(slot);
        const replica = (await cluster.nodes()).find((n) => n.of === primary.id);
        await cluster.failover(replica!.port);
      } else if (fault === 'a slot migrated') {
        const other = [...rooms.keys()].find((p) => p !== port)!;
        await cluster.migrateSlot(slot, other);
      } else {
        await cluster.server(port).stop(true);
        await cluster.waitHealthy(30_000);
      }
      await waitUntil(() => links.includes(`up ${moved}`), 20_000, `${room} up again`).catch(
        (err: Error) => {
          throw new Error(`${err.message}; heard ${links.join(' | ')}`);
        },
      );
      assert.deepEqual(
        links.filter((l) => l !== `down ${moved}` && l !== `up ${moved}` && l !== 'up all'),
        [],
        'other shards untouched',
      );
      await sayEventually(backend, room, 'after the move');
      for (const r of rooms.values()) if (r !== room) await say(backend, r, `still ${r}`);
      await waitUntil(
        () =>
          texts(heard, room).includes('after the move') &&
          [...rooms.values()].every((r) => r === room || texts(heard, r).includes(`still ${r}`)),
        10_000,
        'every shard heard',
      ).catch((err: Error) => {
        throw new Error(`${err.message}; links ${links.join(' | ')}`);
      });
      const owner = await cluster.ownerOf(slot);
      assert.ok((await subscribers(owner.port)) >= 1);
      await backend.close();
    });
  }
});
