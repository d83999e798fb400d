import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  JsonClient,
  REPO_ROOT,
  promtoolCheckMetrics,
  startFleet,
  startPrometheus,
  waitUntil,
  type Fleet,
  type TestPrometheus,
} from '../testing/index.js';

// prom-client's own process gauges end in _total; promtool's lint flags them. Ours must be clean.
const KNOWN_DEFAULT_LINT = /^chat_nodejs_active_(handles|requests|resources)_total non-counter/;

describe('metrics, scraped by a real Prometheus', () => {
  let fleet: Fleet;
  let prom: TestPrometheus;
  before(async () => {
    fleet = await startFleet({ gateways: 1 });
    await fleet.add('ws-gateway');
    prom = await startPrometheus(
      fleet.services.map((s, i) => ({ job: `${s.name}-${i}`, port: s.metricsPort })),
    );
  });
  after(async () => {
    await prom.stop();
    await fleet.stop();
  });

  it('serves a valid exposition and /healthz on every service', async () => {
    for (const s of fleet.services) {
      const text = await (await fetch(`http://127.0.0.1:${s.metricsPort}/metrics`)).text();
      const { code, output } = promtoolCheckMetrics(text);
      const problems = output
        .split('\n')
        .filter((l) => l.trim() !== '' && !KNOWN_DEFAULT_LINT.test(l));
      assert.deepEqual(problems, [], `${s.name}: promtool exit ${code}`);
      assert.match(text, /chat_nodejs_eventloop_lag_seconds/);
      const health = await fetch(`http://127.0.0.1:${s.metricsPort}/healthz`);
      assert.equal(health.status, 200);
      assert.equal(((await health.json()) as { status: string }).status, 'ok');
    }
  });

  it('documents every metric a service exposes in docs/metrics.md', async () => {
    const doc = readFileSync(join(REPO_ROOT, 'docs/metrics.md'), 'utf8');
    const undocumented = new Set<string>();
    for (const s of fleet.services) {
      const text = await (await fetch(`http://127.0.0.1:${s.metricsPort}/metrics`)).text();
      for (const [, name] of text.matchAll(/^# TYPE (chat_\S+) /gm)) {
        // prom-client's process metrics are documented as a family, not one by one.
        if (name && !/^chat_(process|nodejs)_/.test(name) && !doc.includes(`\`${name}\``))
          undocumented.add(`${s.name}: ${name}`);
      }
    }
    assert.deepEqual([...undocumented], []);
  });

  it('shows the fleet at work in Prometheus queries', async () => {
    const port = fleet.gateways[0]!.tcpPort;
    const { c: a } = await JsonClient.hello(port, 'metrica');
    const { c: b } = await JsonClient.hello(port, 'metricb');
    a.send({ type: 'match' });
    b.send({ type: 'match' });
    const m = await a.next('matched');
    await b.next('matched');
    a.send({ type: 'say', room: m['room'], text: 'counted' });
    await b.next('message');
    a.send({ type: 'fly' });
    await a.next('error');
    const value = async (expr: string) => Number((await prom.query(expr))[0]?.value[1] ?? NaN);
    await waitUntil(
      async () => (await prom.query('up == 1')).length === fleet.services.length,
      20_000,
      'every target up',
    );
    const checks: [string, (v: number) => boolean][] = [
      ['sum(chat_connections{transport="tcp"})', (v) => v === 2],
      ['sum(chat_frames_in_total{type="say"})', (v) => v >= 1],
      ['sum(chat_errors_total{code="bad_frame"})', (v) => v >= 1],
      ['sum(chat_message_delivery_seconds_count{kind="room"})', (v) => v >= 2],
      ['sum(chat_matchmaker_matches_total)', (v) => v >= 1],
      ['sum(chat_matchmaker_time_to_match_seconds_count)', (v) => v >= 2],
      ['sum(chat_matchmaker_queue_length)', (v) => v === 0],
      ['sum(chat_history_writer_events_total{kind="room"})', (v) => v >= 1],
      ['sum(chat_history_writer_lag_entries)', (v) => v === 0],
    ];
    for (const [expr, ok] of checks) {
      await waitUntil(
        async () => ok(await value(expr)),
        15_000,
        `${expr} (last: ${await value(expr)})`,
      );
    }
    a.close();
    b.close();
  });
});
