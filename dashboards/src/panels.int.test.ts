import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  findK6,
  type Fleet,
  JsonClient,
  type K6Run,
  REPO_ROOT,
  runK6,
  startFleet,
  startPrometheus,
  type TestPrometheus,
  waitUntil,
  WsClient,
} from '@chatfleet/testing';
import { DASHBOARDS } from './dashboards.js';

interface Panel {
  title: string;
  targets?: { expr: string }[];
}
interface Dashboard {
  panels: Panel[];
  templating: { list: { name: string; type: string; query?: unknown }[] };
}

const k6 = findK6();
const read = (path: string) => readFileSync(join(REPO_ROOT, path), 'utf8');

/** Our local scrape configuration with the test fleet's ports, scraping every second. */
function scrapeConfig(fleet: Fleet): string {
  let yml = read('dashboards/prometheus/prometheus.yml')
    .replace(/scrape_interval: \d+s/, 'scrape_interval: 1s')
    .replace(/evaluation_interval: \d+s/, 'evaluation_interval: 1s');
  const defaults: Record<string, number> = {
    'tcp-gateway': 9101,
    'ws-gateway': 9102,
    matchmaker: 9103,
    'history-writer': 9104,
  };
  for (const [name, port] of Object.entries(defaults)) {
    const s = fleet.services.find((x) => x.name === name);
    assert.ok(s, name);
    assert.ok(yml.includes(`127.0.0.1:${port}`), `prometheus.yml scrapes ${name} on ${port}`);
    yml = yml.replace(`127.0.0.1:${port}`, `127.0.0.1:${s.metricsPort}`);
  }
  return yml;
}

/** What Grafana would send: every variable at All, a fixed window for $__rate_interval. */
const substitute = (expr: string) =>
  expr.replaceAll('$__rate_interval', '1m').replace(/\$(service|instance|testid)\b/g, '.*');

describe('every dashboard panel, queried on a real Prometheus scraping a real fleet', () => {
  let fleet: Fleet;
  let prom: TestPrometheus;
  let runs: Record<string, K6Run> = {};
  /** When the traffic was over (Unix seconds): every panel is queried as of then. */
  let at = 0;
  const open: { close(): void }[] = [];

  before(async () => {
    fleet = await startFleet({ gateways: 1, env: { MAX_CONNECTIONS_PER_IP: '10000' } });
    const ws = await fleet.add('ws-gateway');
    prom = await startPrometheus([], {
      config: scrapeConfig(fleet),
      files: { 'alerts.yml': read('dashboards/prometheus/alerts.yml') },
      remoteWrite: true,
    });
    // Every target scraped once before any traffic, so rate() sees the traffic as an increase.
    await waitUntil(
      async () => (await prom.query('up == 1')).length === fleet.services.length,
      20_000,
      'every target up',
    );
    // The fleet at work over TCP and WebSocket: a match, rooms, a DM, a bad frame, a flood.
    const port = fleet.gateways[0]!.tcpPort;
    const { c: a } = await JsonClient.hello(port, 'panela');
    const { c: b } = await JsonClient.hello(port, 'panelb');
    open.push(a, b);
    a.send({ type: 'match' });
    b.send({ type: 'match' });
    const m = await a.next('matched');
    await b.next('matched');
    a.send({ type: 'say', room: m['room'], text: 'hello stranger' });
    await b.next('message');
    await a.request({ type: 'join', room: 'panels' });
    await a.request({ type: 'say', room: 'panels', text: 'to the room' });
    await a.request({ type: 'dm', to: 'panelb', text: 'psst' });
    await b.next('dm');
    a.send({ type: 'fly' });
    await a.next('error');
    b.write('{"type":"ping"}\n'.repeat(40));
    await b.next('error', (f) => f['code'] === 'rate_limited');
    const w = await WsClient.hello(ws.wsPort, 'panelw');
    open.push(w.c);
    await w.c.request({ type: 'join', room: 'panels' });
    await w.c.request({ type: 'say', room: 'panels', text: 'from a browser' });
    if (!k6) return;
    // Each k6 script once, smoke-sized and side by side, writing to this Prometheus; one testid
    // each, as two runs writing the same series would have their writes refused.
    const env = {
      WS_URL: `ws://127.0.0.1:${ws.wsPort}/ws`,
      RESULTS_DIR: mkdtempSync(join(tmpdir(), 'chatfleet-k6-')),
      K6_PROMETHEUS_RW_SERVER_URL: `${prom.url}/api/v1/write`,
      K6_PROMETHEUS_RW_TREND_STATS: 'p(50),p(95),p(99),max',
      K6_PROMETHEUS_RW_PUSH_INTERVAL: '1s',
      P95_MS: '5000',
      P99_MS: '10000',
    };
    const sized: Record<string, Record<string, string>> = {
      'ws-rooms': {
        VUS: '10',
        ROOMS: '2',
        SENDERS: '4',
        RATE: '20',
        WARMUP_S: '3',
        SEND_S: '8',
        DRAIN_S: '3',
      },
      // A stranger who gives up at MAX_WAIT_S just as it is paired leaves its partner with
      // nothing heard, which the script's check counts; on a busy CI machine a few in 60 do.
      'ws-strangers': {
        ARRIVALS: '4',
        DURATION_S: '10',
        MAX_WAIT_S: '5',
        MIN_MATCHED: '0.5',
        MIN_CHECKS: '0.8',
      },
      soak: { VUS: '10', DURATION_S: '12', PING_S: '1' },
      spike: { PEAK: '10', RAMP_S: '4', HOLD_S: '4', STAY_S: '2' },
    };
    const results = await Promise.all(
      Object.entries(sized).map(
        async ([script, size]) =>
          [
            script,
            await runK6(k6, script, { ...env, ...size }, [
              '-o',
              'experimental-prometheus-rw',
              '--tag',
              `testid=panels-${script}`,
            ]),
          ] as const,
      ),
    );
    runs = Object.fromEntries(results);
  });
  before(async () => {
    // The last scrapes and k6's last push land, then the whole run is inside every window.
    await new Promise((r) => setTimeout(r, 3000));
    at = Date.now() / 1000 - 1;
  });
  after(async () => {
    for (const c of open) c.close();
    await prom.stop();
    await fleet.stop();
  });

  it(
    'runs every k6 script to a pass against the fleet',
    { skip: !k6 && 'no k6: make k6 builds one' },
    () => {
      for (const [script, run] of Object.entries(runs))
        assert.equal(run.code, 0, `${script}:\n${run.output}`);
      assert.equal(Object.keys(runs).length, 4);
    },
  );

  for (const [file, spec] of Object.entries(DASHBOARDS)) {
    const needsK6 = spec.uid === 'chatfleet-k6';
    it(
      `${file}: every query returns a number and every variable has values`,
      { skip: needsK6 && !k6 && 'no k6: make k6 builds one' },
      async () => {
        const dash = JSON.parse(read(`dashboards/grafana/${file}`)) as Dashboard;
        const problems: string[] = [];
        for (const v of dash.templating.list) {
          if (v.type !== 'query') continue;
          const q = /^label_values\((.+), (\w+)\)$/.exec(substitute(String(v.query)));
          assert.ok(q, `${v.name}: ${String(v.query)}`);
          const res = await fetch(
            `${prom.url}/api/v1/label/${q[2]}/values?match[]=${encodeURIComponent(q[1] ?? '')}`,
          );
          const values = ((await res.json()) as { data: string[] }).data;
          if (values.length === 0) problems.push(`variable ${v.name} has no values`);
        }
        for (const p of dash.panels)
          for (const t of p.targets ?? []) {
            const expr = substitute(t.expr);
            const res = await prom.query(expr, at);
            if (!res.some((r) => Number.isFinite(Number(r.value[1]))))
              problems.push(`${p.title}: ${expr}`);
          }
        assert.deepEqual(problems, []);
      },
    );
  }

  it('evaluates every alert rule on the real series without error', async () => {
    const body = (await (await fetch(`${prom.url}/api/v1/rules`)).json()) as {
      data: { groups: { rules: { name: string; health: string; lastError?: string }[] }[] };
    };
    const rules = body.data.groups.flatMap((g) => g.rules);
    assert.ok(rules.length >= 10, `${rules.length} rules loaded`);
    for (const r of rules) assert.equal(r.health, 'ok', `${r.name}: ${r.lastError ?? ''}`);
  });
});
