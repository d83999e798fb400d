import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  JsonClient,
  exposedMetrics,
  readCatalogue,
  promtoolCheckMetrics,
  readMetric,
  startFleet,
  startPrometheus,
  waitUntil,
  type Fleet,
  type TestPrometheus,
} from '../index.js';

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

  it('exposes exactly the metrics docs/metrics.md lists for each service, with their types', async () => {
    const catalogue = readCatalogue();
    assert.ok(catalogue.length >= 35, 'the catalogue tables were read');
    const problems: string[] = [];
    const seen = new Set<string>();
    for (const s of fleet.services) {
      if (seen.has(s.name)) continue;
      seen.add(s.name);
      const text = await (await fetch(`http://127.0.0.1:${s.metricsPort}/metrics`)).text();
      const exposed = exposedMetrics(text);
      const listed = catalogue.filter((e) => e.services.includes(s.name));
      for (const [name, type] of exposed) {
        const entry = listed.find((e) => e.name === name);
        if (!entry) problems.push(`${s.name} exposes ${name}, not listed for it`);
        else if (entry.type !== type)
          problems.push(`${s.name}: ${name} is a ${type}, listed as ${entry.type}`);
      }
      for (const e of listed)
        if (!exposed.has(e.name)) problems.push(`${s.name} does not expose listed ${e.name}`);
    }
    assert.deepEqual([...seen].sort(), [
      'history-writer',
      'matchmaker',
      'tcp-gateway',
      'ws-gateway',
    ]);
    assert.deepEqual(problems, []);
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
      ['sum(chat_history_writer_lag_seconds)', (v) => v === 0],
      ['sum(chat_history_writer_batch_size_count)', (v) => v >= 1],
      ['sum(chat_fanout_seconds_count{service="tcp-gateway"})', (v) => v >= 1],
      ['sum(chat_gateway_heartbeats_total{outcome="ok"})', (v) => v >= 1],
      ['count(chat_build_info == 1)', (v) => v === fleet.services.length],
      [
        'sum(chat_redis_command_duration_seconds_count{service="tcp-gateway",role="commands",group="script"})',
        (v) => v >= 1,
      ],
      [
        'sum(chat_redis_command_duration_seconds_count{service="matchmaker",role="commands",group="stream"})',
        (v) => v >= 1,
      ],
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

  it('counts a lost Redis connection as a reconnect of its role, and the commands refused meanwhile', async () => {
    const gw = fleet.gateways[0]!;
    const read = (name: string, labels: Record<string, string>) =>
      readMetric(gw.metricsPort, name, labels);
    const sub0 = await read('chat_redis_reconnects_total', { role: 'subscriber' });
    const cmd0 = await read('chat_redis_reconnects_total', { role: 'commands' });
    // Only a connection with a subscription is of TYPE pubsub: hold one.
    const { c: listener } = await JsonClient.hello(gw.tcpPort, 'metriclisten');
    await listener.request({ type: 'join', room: 'metrics' });
    const admin = await fleet.admin();
    await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
    await waitUntil(
      async () => (await read('chat_redis_reconnects_total', { role: 'subscriber' })) === sub0 + 1,
      10_000,
      'the subscriber reconnect counted',
    );
    assert.equal(await read('chat_redis_reconnects_total', { role: 'commands' }), cmd0);
    await admin.quit();
    listener.close();
    // Redis away: a hello's commands are refused, counted as errors; its return is a reconnect.
    const errors0 = await read('chat_redis_command_errors_total', { role: 'commands' });
    await fleet.redis.stop(true);
    const c = await JsonClient.connect(gw.tcpPort);
    assert.equal((await c.request({ type: 'hello', nick: 'metricc' }))['code'], 'unavailable');
    c.close();
    assert.ok((await read('chat_redis_command_errors_total', { role: 'commands' })) > errors0);
    await fleet.redis.start();
    await waitUntil(
      async () => (await read('chat_redis_reconnects_total', { role: 'commands' })) === cmd0 + 1,
      10_000,
      'the command connection reconnect counted',
    );
  });
});
