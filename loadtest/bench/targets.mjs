// The sweep's rules and the performance targets (issues 9 and 23), checked against one run's results:
// the page's verdicts come from the same run as its tables, so they cannot drift apart.

/** A step held its rate: p99 ≤ 100 ms and nothing lost. */
export const holds = (s) => (s.latencyMs.p99 ?? Infinity) <= 100 && s.lost === 0;

/**
 * The highest rate held, counting up from the lowest rate until the first that fails: a lucky
 * step past a failed one does not count. A rate that failed was run once more (`repeat`), and
 * holds if either run did: one noisy step on a shared machine does not end a sweep.
 */
export function sustained(steps) {
  let best = 0;
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i];
    if (s.repeat) continue;
    const held = [s, steps[i + 1]].filter((t) => t && (t === s || t.repeat) && holds(t));
    if (held.length === 0) break;
    best = Math.max(best, ...held.map((t) => t.deliveriesPerSecond));
  }
  return best;
}

const AT = 40_000;
const fmt = (n) => Number(n).toLocaleString('en-US');
const ratio = (a, b) => `${(a / b).toFixed(2)} ×`;
const kb = (b) => `${(b / 1000).toFixed(1)} KB`;

/** A contender's first run of a rate, if it ran (and ran that rate). */
const stepAt = (o, rate) => o?.steps?.find((s) => s.target === rate && !s.repeat);
const ran = (o) => o && !o.skipped && o.steps?.length > 0;
const heldAll = (o) => o.steps.filter((s) => !s.repeat).every(holds);

/**
 * One row per target: what it asks, what this run measured, and `met` (true, false, or null
 * when a contender it needs did not run or the run was smaller than the target asks).
 */
export function verdicts(results) {
  const c = results.contenders ?? {};
  const cf = c.chatfleet;
  const rows = [];
  const row = (target, need, check) => {
    // A contender that did not run, or a run smaller than the target's (the smoke run).
    if (!need.every(Boolean))
      rows.push({ target, measured: 'not measured in this run', met: null });
    else rows.push({ target, ...check() });
  };
  const top = (o) => (heldAll(o) ? ' (held every rate of the sweep)' : '');
  row('sustained ≥ 0.7 × the floor', [ran(cf), ran(c.floor)], () => {
    const [a, b] = [sustained(cf.steps), sustained(c.floor.steps)];
    return {
      measured: `${fmt(a)}/s${top(cf)} against ${fmt(b)}/s${top(c.floor)}: ${ratio(a, b)}`,
      met: a >= 0.7 * b,
    };
  });
  row('sustained ≥ Centrifugo with history', [ran(cf), ran(c.centrifugo)], () => {
    const [a, b] = [sustained(cf.steps), sustained(c.centrifugo.steps)];
    return { measured: `${fmt(a)}/s against ${fmt(b)}/s`, met: a >= b };
  });
  const [s, f] = [stepAt(cf, AT), stepAt(c.floor, AT)];
  row(`p99 at ${fmt(AT)}/s within 1.5 × the floor's`, [s, f], () => ({
    measured: `${s.latencyMs.p99} ms against ${f.latencyMs.p99} ms: ${ratio(s.latencyMs.p99, f.latencyMs.p99)}`,
    met: s.latencyMs.p99 <= 1.5 * f.latencyMs.p99,
  }));
  row(`gateway CPU per delivery within 2 × the floor's (${fmt(AT)}/s)`, [s, f], () => ({
    measured: `${s.cpuMicrosPerDelivery} µs against ${f.cpuMicrosPerDelivery} µs: ${ratio(s.cpuMicrosPerDelivery, f.cpuMicrosPerDelivery)}`,
    met: s.cpuMicrosPerDelivery <= 2 * f.cpuMicrosPerDelivery,
  }));
  const idle = (name) =>
    (c[name]?.idle?.connections ?? 0) >= 10_000 ? c[name].idle.bytesPerConnection : undefined;
  row('idle memory per WebSocket connection ≤ 2 KB', [idle('chatfleet') !== undefined], () => ({
    measured: `${kb(idle('chatfleet'))}${idle('floor') !== undefined ? ` (the floor: ${kb(idle('floor'))})` : ''}`,
    met: idle('chatfleet') <= 2000,
  }));
  row(
    'idle memory per TCP connection ≤ 1.2 × a bare net server',
    [idle('chatfleet-tcp') !== undefined, idle('net-lines') !== undefined],
    () => ({
      measured: `${kb(idle('chatfleet-tcp'))} against ${kb(idle('net-lines'))}: ${ratio(idle('chatfleet-tcp'), idle('net-lines'))}`,
      met: idle('chatfleet-tcp') <= 1.2 * idle('net-lines'),
    }),
  );
  const h = results.history;
  row('history-writer drains 1,000,000 entries at ≥ 50,000/s', [h?.messages >= 1_000_000], () => ({
    measured: `${fmt(h.messagesPerSecond)}/s over ${fmt(h.messages)} entries`,
    met: h.messagesPerSecond >= 50_000,
  }));
  const m = results.matchmaker;
  row(
    'matchmaker p99 time-to-match ≤ 50 ms at 200 requests/s',
    [m?.requestsPerSecond >= 200],
    () => ({
      measured: `${m.timeToMatchMs.p99} ms at ${fmt(m.requestsPerSecond)}/s, ${fmt(m.matched)} of ${fmt(m.of)} matched`,
      met: m.timeToMatchMs.p99 <= 50 && m.matched >= m.of - (m.of % 2),
    }),
  );
  // Issue 23: Redis Cluster. Full runs only (10 s per case); the smoke run's 2 s prove nothing.
  const cl = results.cluster;
  const full = (results.settings?.clusterSeconds ?? 0) >= 10;
  row('a 3-primary cluster sustains ≥ 2.5 × the messages/s of one Redis', [cl, full], () => ({
    measured: `${fmt(cl.throughput.cluster.messagesPerSecond)}/s against ${fmt(cl.throughput.single.messagesPerSecond)}/s: ${ratio(cl.throughput.cluster.messagesPerSecond, cl.throughput.single.messagesPerSecond)} (all on one machine's cores: see docs/capacity.md)`,
    met: cl.throughput.measuredRatio >= 2.5,
  }));
  // An idle Redis: one with nothing attached (no replica), sent one message at a time.
  const idleSend = results.sendCost?.find((r) => !r.replica && r.inFlight === 1);
  const busySend = results.sendCost?.find((r) => !r.replica && r.inFlight > 1);
  row('`send` ≤ 10 µs of Redis CPU per message on an idle Redis', [idleSend, full], () => ({
    measured: `the script ${idleSend.scriptMicrosPerCall} µs per call (commandstats), the Redis ${idleSend.redisCpuMicrosPerMessage} µs per message with its round trip, one at a time on a Redis with nothing attached${busySend ? `; ${busySend.scriptMicrosPerCall} µs (${busySend.redisCpuMicrosPerMessage} µs) with ${busySend.inFlight} in flight` : ''}`,
    met: idleSend.scriptMicrosPerCall <= 10,
  }));
  row('live delivery on a shard back ≤ 3 s after its promotion', [cl, full], () => ({
    measured: `${cl.failover.liveAgainAfterPromotionMs} ms (CLUSTER FAILOVER; other shards' longest silence ${cl.failover.otherShardsLongestSilenceMs} ms)`,
    met:
      cl.failover.liveAgainAfterPromotionMs !== null &&
      cl.failover.liveAgainAfterPromotionMs <= 3000,
  }));
  return rows;
}

/** The verdicts as a Markdown table. */
export function verdictTable(results) {
  const word = { true: 'met', false: '**not met**', null: '–' };
  return [
    '| target (issues 9 and 23) | measured in this run | verdict |',
    '| --- | --- | --- |',
    ...verdicts(results).map((r) => `| ${r.target} | ${r.measured} | ${word[r.met]} |`),
  ];
}
