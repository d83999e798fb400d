// `make bench` (and `make bench-smoke`): every contender in turn under the same generator, each
// on a fresh redis-server: memory per idle connection, then a sweep of send rates upward.
// Prints a table per contender, saves the results under loadtest/results/, and (full runs)
// regenerates the generated part of docs/benchmarks.md with its plots. Traffic goes to
// 127.0.0.0/8 only; every loop is bounded by the settings below.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../services/testing/dist/index.js';
import { CONTENDERS } from './contenders.mjs';
import { openRooms, step } from './fanout.mjs';
import { historyDrain } from './history.mjs';
import { idleMemory } from './idle.mjs';
import { sendCost, subscriberCost } from './send-cost.mjs';
import { clusterThroughput, resumeAfterFailover } from './cluster.mjs';
import { timeToMatch } from './matchmaker.mjs';
import { printTable, writeReport } from './report.mjs';
import { holds, verdictTable } from './targets.mjs';

const env = process.env;
const smoke = env.BENCH_SMOKE === '1';
const list = (s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
const settings = {
  contenders: list(
    env.BENCH_CONTENDERS ??
      'chatfleet,chatfleet-cluster,floor,socketio,centrifugo,chatfleet-tcp,net-lines,chatfleet-small,chatfleet-tcp-small',
  ),
  clients: Number(env.BENCH_CLIENTS ?? (smoke ? 200 : 2000)),
  rooms: Number(env.BENCH_ROOMS ?? (smoke ? 10 : 50)),
  rates: list(
    env.BENCH_RATES ?? (smoke ? '4000' : '10000,20000,30000,40000,50000,60000,80000,100000,120000'),
  ).map(Number),
  stepSeconds: Number(env.BENCH_STEP_SECONDS ?? (smoke ? 2 : 10)),
  drainMs: smoke ? 1000 : 3000,
  quietSeconds: Number(env.BENCH_QUIET ?? (smoke ? 1 : 3)),
  idle: Number(env.BENCH_IDLE ?? (smoke ? 500 : 10_000)),
  // Spaces the collections and readings of idle memory (see idle.mjs).
  idleSettleMs: Number(env.BENCH_IDLE_SETTLE_MS ?? (smoke ? 100 : 12_000)),
  matchPerSecond: Number(env.BENCH_MATCH_RATE ?? (smoke ? 50 : 200)),
  matchSeconds: smoke ? 2 : 10,
  historyBacklog: Number(env.BENCH_HISTORY ?? (smoke ? 20_000 : 1_000_000)),
  // The send path alone, ACK_REPLICAS=0 and 1, on a primary with a replica (messages per mode).
  sendCost: Number(env.BENCH_SEND ?? (smoke ? 2000 : 20_000)),
  // The send path on one primary and on a 3-primary cluster (seconds per case; 0: skipped).
  clusterSeconds: Number(env.BENCH_CLUSTER_SECONDS ?? (smoke ? 2 : 10)),
  // A contender's sweep stops one step after it no longer keeps up.
  stopP99Ms: 500,
};

const machine = {
  cpus: cpus().length,
  cpu: cpus()[0]?.model,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  date: new Date().toISOString(),
};
const results = { machine, settings, contenders: {} };

for (const name of settings.contenders) {
  const start = CONTENDERS[name];
  if (!start) throw new Error(`unknown contender ${name}`);
  // One fresh instance per contender: idle memory first, on a clean process, then the sweep.
  const c = await start();
  if (!c) {
    console.log(`${name}: not found, skipped (set CENTRIFUGO_BIN, or put centrifugo on the PATH)`);
    results.contenders[name] = { skipped: 'binary not found' };
    continue;
  }
  const out = { label: c.label, idle: undefined, steps: [] };
  results.contenders[name] = out;
  try {
    out.idle = await idleMemory(
      c,
      settings.idle,
      Math.max(1, Math.floor(settings.idle / 40)),
      settings.idleSettleMs,
    );
    if (c.idleOnly) continue;
    const sink = { onDelivery: () => {}, onNotice: () => {} };
    const members = await openRooms(c, settings.clients, settings.rooms, sink);
    const run = async (target, repeat) => {
      const r = await step(c, members, settings.rooms, sink, {
        target,
        seconds: settings.stepSeconds,
        drainMs: settings.drainMs,
        quietSeconds: settings.quietSeconds,
      });
      if (repeat) r.repeat = true;
      out.steps.push(r);
      console.log(
        `${name} ${target}/s${repeat ? ' (again)' : ''}: ${r.deliveriesPerSecond}/s, p99 ${r.latencyMs.p99} ms, lost ${r.lost}`,
        Object.keys(r.notices).length > 0 ? `(server said: ${JSON.stringify(r.notices)})` : '',
      );
      return r;
    };
    const gone = (r) =>
      (r.latencyMs.p99 ?? Infinity) > settings.stopP99Ms || r.lost > r.expected * 0.01;
    let failed = false;
    for (const target of settings.rates) {
      const r = await run(target, false);
      if (gone(r)) break;
      // The first rate that fails is run once more (see `sustained`); past it, once is enough.
      if (!failed && !holds(r)) {
        failed = true;
        if (gone(await run(target, true))) break;
      }
    }
    for (const m of members) m.close();
  } finally {
    await c.stop();
    printTable(name, out);
  }
}

// The history-writer alone: a backlog already in the streams, drained by one instance.
if (settings.historyBacklog > 0) {
  results.history = await historyDrain(settings.historyBacklog, 1000);
  const h = results.history;
  console.log(
    `\nhistory-writer: ${h.messages.toLocaleString('en-US')} messages drained in ${h.seconds} s, ` +
      `${h.messagesPerSecond.toLocaleString('en-US')}/s, ${h.cpuMicrosPerMessage} µs CPU each`,
  );
}

// The send path alone: Redis CPU per message and the sender's latency, ACK_REPLICAS 0 and 1.
if (settings.sendCost > 0) {
  results.sendCost = await sendCost(settings.sendCost);
  for (const r of results.sendCost)
    console.log(
      `send, ${r.replica ? 'with a replica' : 'alone'}, ACK_REPLICAS=${r.ackReplicas}, ${r.inFlight} in flight: ${r.messagesPerSecond}/s, ` +
        `Redis CPU ${r.redisCpuMicrosPerMessage} µs/message (script ${r.scriptMicrosPerCall} µs), ` +
        `p50 ${r.latencyMs.p50} / p99 ${r.latencyMs.p99} ms, unconfirmed ${r.unconfirmed}`,
    );
}

// What each gateway hearing a message costs Redis, and what a stored message takes.
if (settings.sendCost > 0) {
  const s = (results.subscriberCost = await subscriberCost(smoke ? 1 : 5, smoke ? 2000 : 110_000));
  console.log(
    `subscribers: ${s.steps.map((x) => `${x.subscribers} → ${x.redisCpuMicrosPerMessage} µs`).join(', ')} of Redis CPU per message: ${s.microsPerSubscriber} µs per gateway; a stored message takes ${s.windowBytesPerMessage} B in a window, ${s.streamBytesPerEntry} B in a stream`,
  );
}

// Redis Cluster beside one Redis: the send path's messages/s and Redis CPU per message on each
// shard, then how soon live delivery comes back after a shard's failover.
if (settings.clusterSeconds > 0) {
  const t = await clusterThroughput(settings.clusterSeconds);
  const f = await resumeAfterFailover();
  results.cluster = { throughput: t, failover: f };
  const shards = (r) =>
    r.shards
      .map(
        (x) => `${x.cpuMicrosPerMessage} µs (script ${x.scriptMicrosPerMessage}, busy ${x.busy})`,
      )
      .join(', ');
  console.log(
    `send, one primary: ${t.single.messagesPerSecond}/s; Redis CPU per message ${shards(t.single)}`,
  );
  console.log(
    `send, 3-primary cluster: ${t.cluster.messagesPerSecond}/s (${t.measuredRatio} × one primary); per shard ${shards(t.cluster)}`,
  );
  console.log(
    `send, one shard of the cluster: ${t.clusterOneShard.messagesPerSecond}/s; ${shards(t.clusterOneShard)}`,
  );
  console.log(
    `cluster failover: promoted ${f.promotedAfterMs} ms after CLUSTER FAILOVER, live again ${f.liveAgainAfterPromotionMs} ms after the promotion; other shards' longest silence ${f.otherShardsLongestSilenceMs} ms`,
  );
}

// The matchmaker through a gateway: match requests at an even pace, timed by the clients.
if (settings.matchPerSecond > 0) {
  results.matchmaker = await timeToMatch(settings.matchPerSecond, settings.matchSeconds);
  const t = results.matchmaker;
  console.log(
    `matchmaker: ${t.requestsPerSecond} requests/s, ${t.matched} of ${t.of} matched, ` +
      `time to match p50 ${t.timeToMatchMs.p50} / p99 ${t.timeToMatchMs.p99} / max ${t.timeToMatchMs.max} ms`,
  );
}

console.log(`\n${verdictTable(results).join('\n')}`);
const dir = join(REPO_ROOT, 'loadtest', 'results');
mkdirSync(dir, { recursive: true });
const file = join(dir, `bench-${smoke ? 'smoke-' : ''}${machine.date.replace(/[:.]/g, '-')}.json`);
writeFileSync(file, JSON.stringify(results, null, 2));
console.log(`results: ${file}`);
// Only a full run with the default settings rewrites the page; a partial one would replace the
// side-by-side table with a part of it.
const partial = Object.keys(env).some((k) => k.startsWith('BENCH_'));
if (!smoke && !partial) await writeReport(results);
else if (!smoke) console.log('a run with BENCH_* settings: docs/benchmarks.md left as it was');
// The smoke run checks that the bench still works end to end: every contender held its idle
// connections and delivered everything it was sent. No timing is asserted, nor memory: at 500
// connections a bare server's growth is within the noise of its RSS (the floor once measured
// -2,392 bytes each).
if (smoke) {
  const broken = Object.entries(results.contenders).filter(
    ([, o]) =>
      !o.skipped &&
      (o.idle?.connections !== settings.idle ||
        o.steps.some((s) => s.delivered === 0 || s.lost > 0)),
  );
  const mm = results.matchmaker;
  if (mm && mm.matched < mm.of - (mm.of % 2)) broken.push(['matchmaker']);
  const cf = results.cluster;
  if (
    cf &&
    (cf.throughput.cluster.messagesPerSecond === 0 ||
      cf.failover.liveAgainAfterPromotionMs === null)
  )
    broken.push(['cluster']);
  // A healthy replica confirms every send: an unconfirmed one here is a broken WAIT path.
  if (results.sendCost?.some((r) => r.messagesPerSecond === 0 || r.unconfirmed > 0))
    broken.push(['send path']);
  if (broken.length > 0) {
    console.error(
      `bench smoke: ${broken.map(([n]) => n).join(', ')} lost messages or measured nothing`,
    );
    process.exit(1);
  }
}
