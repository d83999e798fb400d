import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import {
  clearAssigned,
  conv,
  DEFAULT_STORE_LIMITS,
  endMatch,
  type Keys,
  routeDm,
  sendMessage,
  type Ticket,
} from '@chatfleet/store';
import { startFleet, waitUntil } from '@chatfleet/testing';
import { applyRequest, commitPair } from '../queue.js';

const N = 10_000;
const KEEP_MS = 20_000;

/** Every key, with its TTL and the memory it takes, grouped by what kind of key it is. */
async function census(admin: Redis, prefix: string) {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await admin.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 5000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  const pipe = admin.pipeline();
  for (const k of keys) pipe.pttl(k).memory('USAGE', k, 'SAMPLES', '0');
  const res = (await pipe.exec()) ?? [];
  const kinds = new Map<string, { count: number; bytes: number; forever: number }>();
  keys.forEach((k, i) => {
    // `<prefix>:{tag}:kind[:name]` -> kind; the matchmaker's keys go by their second part.
    const rest = k.slice(prefix.length + 1).replace(/^\{[^}]*\}:?/, '');
    const kind = rest.split(':')[0] || 'singleton';
    const ttl = Number(res[2 * i]?.[1]);
    const bytes = Number(res[2 * i + 1]?.[1] ?? 0);
    const c = kinds.get(kind) ?? { count: 0, bytes: 0, forever: 0 };
    c.count++;
    c.bytes += bytes;
    if (ttl === -1) c.forever++;
    kinds.set(kind, c);
  });
  return { total: keys.length, kinds };
}

/** Pairs and greets N pairs of strangers; their matches stay open (room and first sid each). */
async function createMatches(
  store: Parameters<typeof endMatch>[0],
  keys: Keys,
): Promise<[string, string][]> {
  const now = Date.now();
  const open: [string, string][] = [];
  for (let base = 0; base < N; base += 200) {
    await Promise.all(
      Array.from({ length: 200 }, async (_, k) => {
        const i = base + k;
        const tickets: Ticket[] = ['a', 'b'].map((side) => ({
          sid: `gw-kg.${side}${i}`,
          nick: `${side}${i}`,
          ident: `id-${side}${i}`,
          gw: 'gw-kg',
          tags: [],
          ts: now,
        }));
        const raw = new Map<string, string>();
        for (const t of tickets) {
          const fields = { op: 'match', sid: t.sid, v: '1', t: JSON.stringify(t) };
          await applyRequest(store.redis, keys, `${now}-${i}`, fields);
          raw.set(t.sid, (await store.redis.hget(keys.matchTickets(), t.sid)) ?? '');
        }
        const [a, b] = tickets as [Ticket, Ticket];
        const room = await commitPair(store, { a, b, tags: [] }, raw, new Map(), KEEP_MS, now);
        assert.ok(room, `pair ${i} committed`);
        for (const t of tickets) await clearAssigned(store, t.sid, room);
        for (const t of tickets)
          await sendMessage(store, {
            conv: conv.room(room),
            room,
            from: t.nick,
            text: `hello from ${t.nick}`,
            publish: true,
            sid: t.sid,
          });
        open.push([room, a.sid]);
      }),
    );
  }
  return open;
}

async function createDms(store: Parameters<typeof endMatch>[0]) {
  for (let base = 0; base < N; base += 200) {
    await Promise.all(
      Array.from({ length: 200 }, async (_, k) => {
        const i = base + k;
        const m = await sendMessage(store, {
          conv: conv.dm(`id-x${i}`, `id-y${i}`),
          from: `x${i}`,
          to: `y${i}`,
          toIdent: `id-y${i}`,
          text: `psst ${i}`,
          publish: false,
          sid: `gw-kg.x${i}`,
        });
        await routeDm(store, m, 'live', 10_000);
      }),
    );
  }
}

describe('key growth', () => {
  it('gives back what 10,000 matches took, and keeps 10,000 DM conversations only for their window', async () => {
    const env = { MATCH_KEEP_MS: String(KEEP_MS) };
    const fleet = await startFleet({ gateways: 0, matchmaker: false, env });
    try {
      const admin = await fleet.admin();
      const base = await fleet.store();
      const { keys } = base;
      const store = { ...base, limits: { ...DEFAULT_STORE_LIMITS, matchKeepMs: KEEP_MS } };
      const events = () => admin.xlen(keys.events(0));
      await createDms(store);
      // The history-writer has turned every DM into durable history.
      await waitUntil(
        async () => (await census(admin, fleet.prefix)).kinds.get('hist')?.count === N,
        60_000,
        'DM history written',
      );
      const dms = await census(admin, fleet.prefix);
      // The matches stay open until the history-writer has written every one's history: ended
      // as they were made, the first ones' history could expire (MATCH_KEEP_MS) before the
      // last one's was written on a slow machine, and the count would never reach 2 × N.
      const open = await createMatches(store, keys);
      await waitUntil(
        async () => (await census(admin, fleet.prefix)).kinds.get('hist')?.count === 2 * N,
        60_000,
        'match history written',
      );
      const peak = await census(admin, fleet.prefix);
      for (let i = 0; i < open.length; i += 200)
        await Promise.all(open.slice(i, i + 200).map(([room, sid]) => endMatch(store, room, sid)));
      assert.ok(peak.total > dms.total + 3 * N, `matches added keys: ${peak.total}`);
      assert.ok((await events()) > 0);
      // A finished match's keys expire MATCH_KEEP_MS after it ended (the history-writer's
      // copy too), and nothing else of it stays.
      await waitUntil(
        async () => {
          const now = await census(admin, fleet.prefix);
          return now.total <= dms.total + 2 * N + 20;
        },
        KEEP_MS + 30_000,
        'the matches to expire',
      );
      const after = await census(admin, fleet.prefix);
      const left = [...after.kinds].map(([k, v]) => `${k}:${v.count}`).join(' ');
      for (const kind of ['match', 'last', 'assigned', 'members', 'tickets'])
        assert.equal(after.kinds.get(kind)?.count ?? 0, 0, `${kind} keys left: ${left}`);
      // What stays is the DM conversations, each with its window's TTL; the versions of the
      // 20,000 sessions' match requests (a day's TTL); and streams capped by MAXLEN.
      const capped = new Set(['events', 'requests', 'inbox']);
      for (const [kind, c] of after.kinds)
        if (!capped.has(kind)) assert.equal(c.forever, 0, `${kind} keys without a TTL: ${left}`);
      for (const kind of ['pos', 'win', 'hist'])
        assert.equal(after.kinds.get(kind)?.count, N, `DM ${kind} keys: ${left}`);
      const bytes = (c: typeof after, skip: Set<string>) =>
        [...c.kinds].filter(([k]) => !skip.has(k)).reduce((n, [, v]) => n + v.bytes, 0);
      const noise = new Set([...capped, 'ver']);
      const taken = bytes(peak, noise) - bytes(dms, noise);
      const kept = bytes(after, noise) - bytes(dms, noise);
      assert.ok(kept < taken * 0.02, `matches kept ${kept} of the ${taken} bytes they took`);
      const show = (c: typeof after) => [...c.kinds].map(([k, v]) => `${k} ${v.count}/${v.bytes}`);
      console.log(
        `key growth: ${dms.total} keys after ${N} DMs, ${peak.total} after ${N} matches, ` +
          `${after.total} once they ended (matches took ${taken} bytes, kept ${kept}); ` +
          `peak ${show(peak).join(', ')}; after ${show(after).join(', ')}`,
      );
    } finally {
      await fleet.stop();
    }
  });
});
