// Tables for the terminal and the generated part of docs/benchmarks.md, with its plots drawn by
// Vega-Lite (rendered to SVG by Vega, then to PNG by resvg).
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import * as vl from 'vega-lite';
import { REPO_ROOT } from '../../services/testing/dist/index.js';
import { sustained, verdictTable } from './targets.mjs';

const BEGIN = '<!-- bench:begin (written by make bench) -->';
const END = '<!-- bench:end -->';
const TCP = new Set(['chatfleet-tcp', 'net-lines', 'chatfleet-tcp-small']);
const fmt = (n) => (n === null || n === undefined ? '–' : Number(n).toLocaleString('en-US'));

/** What the server told clients during a step (e.g. `; closed 3`), if anything. */
const told = (n = {}) =>
  Object.entries(n)
    .map(([k, v]) => `; ${k} ${fmt(v)}`)
    .join('');

/** Where a step's loss sat: send times (ms into the window) and how many were whole messages. */
const where = (at) =>
  at ? ` (sent ${fmt(at.firstMs)}–${fmt(at.lastMs)} ms in; ${at.whole} of ${at.times} whole)` : '';

/** A cluster's Redis CPU, shard by shard, with each one's µs per send. */
const shards = (s) =>
  s.redisPerShard
    ? ` = ${s.redisPerShard.map((x) => `${x.cpuSeconds} (${x.cpuMicrosPerSend ?? '–'} µs/send)`).join(' + ')}`
    : '';

function rows(out) {
  return out.steps.map((s) => {
    const l = s.latencyMs;
    return `| ${fmt(s.target)}${s.repeat ? ' (again)' : ''} | ${fmt(s.deliveriesPerSecond)} | ${l.p50} / ${l.p95} / ${l.p99} / ${l.max} | ${fmt(s.lost)} of ${fmt(s.expected)}${where(s.lostAt)}${told(s.notices)} | ${s.cpuSeconds.servers.join(' + ')} (${s.cpuSeconds.helpers.join(' + ') || '–'}; redis ${s.cpuSeconds.redis}${shards(s)}; generator ${s.cpuSeconds.generator ?? '–'}) | ${s.cpuMicrosPerDelivery ?? '–'} | ${s.peakRssMiB.join(' / ')} |`;
  });
}

const HEAD = [
  '| asked/s | deliveries/s | latency p50 / p95 / p99 / max (ms) | lost | CPU s: servers (matchmaker + history-writer; redis; generator) | server CPU µs per delivery | peak RSS MiB per process |',
  '| ---: | ---: | --- | --- | --- | ---: | --- |',
];

export function printTable(name, out) {
  console.log(`\n${name}: ${out.label}`);
  if (out.idle)
    console.log(
      `idle: ${fmt(out.idle.connections)} connections, ${fmt(out.idle.bytesPerConnection)} bytes each after a collection (${fmt(out.idle.burstBytesPerConnection)} right after connecting)`,
    );
  console.log([...HEAD, ...rows(out)].join('\n'));
  if (out.steps.length > 0)
    console.log(`sustained at p99 ≤ 100 ms with nothing lost: ${fmt(sustained(out.steps))}/s`);
}

async function png(spec, file) {
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  const image = new Resvg(svg, { background: 'white', fitTo: { mode: 'zoom', value: 2 } });
  writeFileSync(file, image.render().asPng());
}

async function plots(results, dir) {
  const entries = Object.entries(results.contenders).filter(([, o]) => !o.skipped);
  const latency = entries.flatMap(([name, o]) =>
    o.steps.map((s) => ({
      contender: name,
      deliveries: s.deliveriesPerSecond,
      p99: s.latencyMs.p99,
    })),
  );
  await png(
    {
      width: 640,
      height: 320,
      title: 'p99 end-to-end latency against deliveries per second',
      data: { values: latency },
      layer: [
        {
          mark: { type: 'line', point: true },
          encoding: {
            x: { field: 'deliveries', type: 'quantitative', title: 'deliveries/s' },
            y: {
              field: 'p99',
              type: 'quantitative',
              title: 'p99 latency (ms)',
              scale: { type: 'log' },
            },
            color: { field: 'contender', type: 'nominal' },
          },
        },
        { mark: { type: 'rule', strokeDash: [4, 4] }, encoding: { y: { datum: 100 } } },
      ],
    },
    join(dir, 'latency.png'),
  );
  await png(
    {
      width: 480,
      height: 240,
      title: 'memory per idle connection (hello + one room), after a collection',
      data: {
        values: entries
          .filter(([, o]) => o.idle)
          .map(([name, o]) => ({
            contender: name,
            transport: TCP.has(name) ? 'TCP' : 'WebSocket',
            kb: o.idle.bytesPerConnection / 1024,
          })),
      },
      mark: 'bar',
      encoding: {
        x: { field: 'contender', type: 'nominal', sort: '-y', title: null },
        y: { field: 'kb', type: 'quantitative', title: 'KiB per connection' },
        color: { field: 'transport', type: 'nominal' },
      },
    },
    join(dir, 'memory.png'),
  );
}

export async function writeReport(results) {
  const dir = join(REPO_ROOT, 'docs', 'bench');
  mkdirSync(dir, { recursive: true });
  await plots(results, dir);
  const m = results.machine;
  const s = results.settings;
  const lines = [
    BEGIN,
    '',
    `Run of ${m.date.slice(0, 10)} on ${m.cpus} × ${m.cpu}, ${m.memoryGiB} GiB, Node.js ${m.node}:`,
    `${fmt(s.clients)} clients (WebSocket; NDJSON over TCP for chatfleet-tcp) in ${s.rooms} rooms over two server processes per contender,`,
    `one redis-server each, every member receiving every message; ${s.stepSeconds} s per rate.`,
    '',
    '![p99 latency against deliveries per second](bench/latency.png)',
    '',
    '![memory per idle connection](bench/memory.png)',
    '',
    '| contender | sustained deliveries/s (p99 ≤ 100 ms, nothing lost) | idle bytes per connection, after a collection | right after connecting |',
    '| --- | ---: | ---: | ---: |',
  ];
  for (const [name, o] of Object.entries(results.contenders))
    lines.push(
      o.skipped
        ? `| ${name} | not run: ${o.skipped} | – | – |`
        : `| ${o.label} | ${o.steps.length ? fmt(sustained(o.steps)) : '–'} | ${fmt(o.idle?.bytesPerConnection)} | ${fmt(o.idle?.burstBytesPerConnection)} |`,
    );
  const h = results.history;
  if (h)
    lines.push(
      '',
      `**history-writer**: one instance drained a backlog of ${fmt(h.messages)} messages (${fmt(h.conversations)} conversations) in ${h.seconds} s: ${fmt(h.messagesPerSecond)} messages/s, ${h.cpuMicrosPerMessage} µs of CPU each, peak RSS ${h.peakRssMiB} MiB.`,
    );
  const t = results.matchmaker;
  if (t)
    lines.push(
      '',
      `**matchmaker**: ${fmt(t.requestsPerSecond)} match requests/s for ${t.seconds} s through a tcp-gateway, ${fmt(t.matched)} of ${fmt(t.of)} matched; time to match (the client's \`match\` to its \`matched\`) p50 ${t.timeToMatchMs.p50} / p95 ${t.timeToMatchMs.p95} / p99 ${t.timeToMatchMs.p99} / max ${t.timeToMatchMs.max} ms.`,
    );
  const sc = results.sendCost;
  if (sc)
    lines.push(
      '',
      `**send path** (the store alone, ${fmt(sc[0]?.messages)} messages per case; first one Redis with nothing attached, then a primary with a replica): ${sc
        .map(
          (r) =>
            `${r.replica ? 'with a replica, ' : 'alone, '}ACK_REPLICAS=${r.ackReplicas} with ${r.inFlight} in flight ${fmt(r.messagesPerSecond)}/s, Redis ${r.redisCpuMicrosPerMessage} µs per message (script ${r.scriptMicrosPerCall}), p50 / p99 ${r.latencyMs.p50} / ${r.latencyMs.p99} ms`,
        )
        .join('; ')}.`,
    );
  const sub = results.subscriberCost;
  if (sub)
    lines.push(
      '',
      `**gateways hearing a message** (the send path on one Redis with 0–20 subscriber connections on every room): ${sub.steps.map((x) => `${x.subscribers}: ${x.redisCpuMicrosPerMessage} µs`).join(', ')} of Redis CPU per message, ${sub.microsPerSubscriber} µs per gateway; a stored message takes ${sub.windowBytesPerMessage} B in a recovery window and ${sub.streamBytesPerEntry} B in a partition stream.`,
    );
  const cl = results.cluster;
  if (cl) {
    const per = (r) =>
      r.shards
        .map(
          (x) => `${x.cpuMicrosPerMessage} µs (script ${x.scriptMicrosPerMessage}; ${x.busy} busy)`,
        )
        .join(', ');
    const t = cl.throughput;
    lines.push(
      '',
      `**Redis Cluster** (the send path alone, ${s.clusterSeconds} s per case, 64 in flight): one primary with a replica ${fmt(t.single.messagesPerSecond)}/s, Redis CPU per message ${per(t.single)}; 3 primaries with a replica each ${fmt(t.cluster.messagesPerSecond)}/s, per shard ${per(t.cluster)}; all on one shard ${fmt(t.clusterOneShard.messagesPerSecond)}/s, ${per(t.clusterOneShard)}. After \`CLUSTER FAILOVER\` (promoted in ${cl.failover.promotedAfterMs} ms), live delivery on that shard came back ${cl.failover.liveAgainAfterPromotionMs} ms after the promotion; the other shards' longest silence was ${cl.failover.otherShardsLongestSilenceMs} ms.`,
    );
  }
  lines.push('', ...verdictTable(results));
  for (const [name, o] of Object.entries(results.contenders)) {
    if (o.skipped || o.steps.length === 0) continue;
    lines.push('', `### ${name}: ${o.label}`, '', ...HEAD, ...rows(o));
  }
  lines.push('', END);
  const file = join(REPO_ROOT, 'docs', 'benchmarks.md');
  const doc = readFileSync(file, 'utf8');
  const prettier = await import('prettier');
  const options = { ...(await prettier.resolveConfig(file)), parser: 'markdown' };
  const a = doc.indexOf(BEGIN);
  const b = doc.indexOf(END);
  const block = lines.join('\n');
  const next =
    a >= 0 && b > a
      ? doc.slice(0, a) + block + doc.slice(b + END.length)
      : `${doc.trimEnd()}\n\n## Side by side (make bench)\n\n${block}\n`;
  // Formatted as the repository's lint expects.
  writeFileSync(file, await prettier.format(next, options));
  console.log(`wrote docs/benchmarks.md and docs/bench/*.png`);
}
