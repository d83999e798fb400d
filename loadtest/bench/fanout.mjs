// The generator, the same for every contender: `clients` WebSocket clients spread over both
// server processes and `rooms` rooms, every member receiving every message (its sender's too);
// one sender per room, paced evenly. A step holds one send rate and measures end-to-end latency
// (sender's clock to receiver's clock, one machine), loss, and CPU and memory per process.
import { setTimeout as sleep } from 'node:timers/promises';
import { PROTOCOLS } from './clients.mjs';
import { cpuSeconds, watchRss } from './procstat.mjs';
import { readRedis } from './store-load.mjs';

// Source addresses 127.1.x.y: no more than 250 connections from one, far from port exhaustion.
export const addr = (i) => `127.1.${Math.floor(i / 250) % 250}.${1 + (i % 250)}`;

export async function inBatches(n, size, make) {
  const out = [];
  for (let i = 0; i < n; i += size)
    out.push(
      ...(await Promise.all(Array.from({ length: Math.min(size, n - i) }, (_, k) => make(i + k)))),
    );
  return out;
}

/** Connects `clients` members to rooms r0…r(rooms-1); member i is in room i % rooms. */
export async function openRooms(c, clients, rooms, sink) {
  const connect = PROTOCOLS[c.protocol];
  const members = await inBatches(clients, 200, (i) =>
    connect(c.urls[i % c.urls.length], `m${i}`, addr(i), {
      onDelivery: (sentAt) => sink.onDelivery(sentAt),
      onNotice: (what) => sink.onNotice(what),
    }),
  );
  await inBatches(clients, 200, (i) => members[i].join(`r${i % rooms}`));
  return members;
}

// Redis's CPU, and (reset at the start of a step) the time it spent in each command: where a
// contender's Redis work goes, per message. On a cluster, each primary's (`urls`: one each).
async function redisCpu(urls, reset) {
  const nodes = [];
  for (const url of urls) nodes.push(await readRedis(url, reset));
  const commands = {};
  for (const n of nodes)
    for (const [k, c] of Object.entries(n.commands)) {
      const sum = (commands[k] ??= { calls: 0, usec: 0 });
      sum.calls += c.calls;
      sum.usec += c.usec;
    }
  return { cpu: nodes.reduce((a, n) => a + n.cpu, 0), nodes, commands };
}

/**
 * Holds `target` deliveries/s for `seconds` (after a one-second warm-up) and measures the
 * messages sent inside that window, waiting `drainMs` for the last ones.
 */
export async function step(c, members, rooms, sink, o) {
  const perRoom = members.length / rooms;
  const perSecond = o.target / perRoom; // messages in, all rooms together
  const senders = Array.from({ length: rooms }, (_, r) => members[r]);
  const lat = [];
  let from = Infinity;
  let to = -Infinity;
  // Per send time (ms), messages sent and deliveries received: where a loss sits in the step.
  const sentAtMs = new Map();
  const gotAtMs = new Map();
  sink.onDelivery = (sentAt) => {
    if (sentAt < from || sentAt > to) return;
    lat.push(Date.now() - sentAt);
    gotAtMs.set(sentAt, (gotAtMs.get(sentAt) ?? 0) + 1);
  };
  // What the server told the clients during the step: a loss it owned up to, or a disconnect.
  const notices = {};
  sink.onNotice = (what) => (notices[what] = (notices[what] ?? 0) + 1);
  const pids = [...c.servers, ...c.helpers];
  const rss = watchRss(pids);
  const begin = Date.now();
  const warmEnd = begin + 1000;
  const end = warmEnd + o.seconds * 1000;
  let sent = 0;
  let measured = 0;
  let cpu0;
  let redis0 = [];
  const redisUrls = c.redisUrls ?? [c.redisUrl];
  let gen0;
  while (Date.now() < end) {
    const now = Date.now();
    if (cpu0 === undefined && now >= warmEnd) {
      cpu0 = pids.map(cpuSeconds);
      gen0 = process.cpuUsage();
      redis0 = (await redisCpu(redisUrls, true)).nodes.map((n) => n.cpu);
      from = Date.now();
      to = end;
    }
    const due = Math.floor(((now - begin) / 1000) * perSecond);
    for (; sent < due; sent++) {
      const t = Date.now();
      senders[sent % rooms].say(`r${sent % rooms}`, `t${t}`);
      // A stall inside this loop can carry sends past `to`: they are not counted as sent, as
      // their deliveries are not counted as received (once they were, and showed as lost).
      if (t >= from && t <= to) {
        measured++;
        sentAtMs.set(t, (sentAtMs.get(t) ?? 0) + 1);
      }
    }
    await sleep(5);
  }
  const cpu1 = pids.map(cpuSeconds);
  // The clients live in this process: when it runs out of CPU, every contender's latency grows.
  const gen = process.cpuUsage(gen0);
  const redis1 = await redisCpu(redisUrls, false);
  // Late is not lost: an overloaded contender still delivers its backlog. Wait until
  // deliveries stop coming for `quietSeconds` (up to 30 s), so `lost` counts only what never
  // arrived.
  await sleep(o.drainMs);
  const quietFor = o.quietSeconds ?? 3;
  for (let seen = lat.length, quiet = 0, waited = 0; quiet < quietFor && waited < 30; waited++) {
    await sleep(1000);
    quiet = lat.length === seen ? quiet + 1 : 0;
    seen = lat.length;
  }
  sink.onDelivery = () => {};
  sink.onNotice = () => {};
  const peak = rss.stop();
  const seconds = (to - from) / 1000;
  lat.sort((a, b) => a - b);
  const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? null;
  const cpu = pids.map((p, i) => +(cpu1[i] - cpu0[i]).toFixed(2));
  const serverCpu = cpu.slice(0, c.servers.length).reduce((a, b) => a + b, 0);
  return {
    target: o.target,
    seconds: +seconds.toFixed(1),
    sent: measured,
    expected: measured * perRoom,
    delivered: lat.length,
    lost: measured * perRoom - lat.length,
    lostAt: lostAt(sentAtMs, gotAtMs, perRoom, from),
    notices,
    deliveriesPerSecond: Math.round(lat.length / seconds),
    latencyMs: { p50: q(0.5), p95: q(0.95), p99: q(0.99), max: lat.at(-1) ?? null },
    cpuSeconds: {
      servers: cpu.slice(0, c.servers.length),
      helpers: cpu.slice(c.servers.length),
      redis: +redis1.nodes.reduce((a, n, i) => a + n.cpu - (redis0[i] ?? 0), 0).toFixed(2),
      generator: +((gen.user + gen.system) / 1e6).toFixed(2),
    },
    cpuMicrosPerDelivery: lat.length ? +((serverCpu * 1e6) / lat.length).toFixed(2) : null,
    // Per message sent: how many calls of each command Redis ran, and its µs in them.
    redisPerMessage: Object.fromEntries(
      Object.entries(redis1.commands)
        .sort(([, a], [, b]) => b.usec - a.usec)
        .map(([k, v]) => [
          k,
          { calls: +(v.calls / measured).toFixed(2), us: +(v.usec / measured).toFixed(1) },
        ]),
    ),
    // A cluster: each primary's CPU, its sends (`evalsha` runs), and its CPU µs per send.
    ...(redisUrls.length > 1
      ? {
          redisPerShard: redis1.nodes.map((n, i) => {
            const cpu = n.cpu - (redis0[i] ?? 0);
            const sends = n.commands.evalsha?.calls ?? 0;
            return {
              cpuSeconds: +cpu.toFixed(2),
              sends,
              cpuMicrosPerSend: sends ? +((cpu * 1e6) / sends).toFixed(1) : null,
            };
          }),
        }
      : {}),
    peakRssMiB: pids.map((p) => +((peak.get(p) ?? 0) / 2 ** 20).toFixed(1)),
  };
}

/**
 * Where deliveries went missing: the first and last send time (ms into the measured window)
 * with a message not every member got, how many such send times, and at how many of them the
 * shortfall was a multiple of a room's members (whole messages lost, as far as counts tell).
 */
function lostAt(sent, got, perRoom, from) {
  let first = null;
  let last = null;
  let times = 0;
  let whole = 0;
  for (const [t, k] of sent) {
    const missing = k * perRoom - (got.get(t) ?? 0);
    if (missing <= 0) continue;
    times++;
    if (missing % perRoom === 0) whole++;
    first = first === null ? t - from : Math.min(first, t - from);
    last = last === null ? t - from : Math.max(last, t - from);
  }
  return times === 0 ? null : { firstMs: first, lastMs: last, times, whole };
}
