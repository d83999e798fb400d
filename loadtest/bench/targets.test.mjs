import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sustained, verdicts } from './targets.mjs';

const step = (target, p99, lost = 0, extra = {}) => ({
  target,
  deliveriesPerSecond: target,
  lost,
  latencyMs: { p99 },
  cpuMicrosPerDelivery: 10,
  ...extra,
});

describe('sustained', () => {
  it('stops counting at the first rate that fails, even if a later one holds', () => {
    assert.equal(sustained([step(10, 20), step(20, 150), step(30, 40)]), 10);
  });
  it('lets a failed rate hold when its repeat did', () => {
    const steps = [step(10, 20), step(20, 150), step(20, 60, 0, { repeat: true }), step(30, 40)];
    assert.equal(sustained(steps), 30);
  });
  it('counts no rate at which something was lost', () => {
    assert.equal(sustained([step(10, 20, 1)]), 0);
  });
});

describe('verdicts', () => {
  const results = () => ({
    contenders: {
      chatfleet: {
        steps: [step(20_000, 10), step(40_000, 30, 0, { cpuMicrosPerDelivery: 9 })],
        idle: { connections: 10_000, bytesPerConnection: 1900 },
      },
      floor: {
        steps: [step(20_000, 10), step(40_000, 25, 0, { cpuMicrosPerDelivery: 6 })],
        idle: { connections: 10_000, bytesPerConnection: 1000 },
      },
      centrifugo: { steps: [step(20_000, 10), step(40_000, 150)] },
      'chatfleet-tcp': { steps: [], idle: { connections: 10_000, bytesPerConnection: 8000 } },
      'net-lines': { steps: [], idle: { connections: 10_000, bytesPerConnection: 3000 } },
    },
    history: { messages: 1_000_000, messagesPerSecond: 60_000 },
    matchmaker: { requestsPerSecond: 200, matched: 2000, of: 2000, timeToMatchMs: { p99: 14 } },
    settings: { clusterSeconds: 10 },
    sendCost: [
      { ackReplicas: 0, inFlight: 1, scriptMicrosPerCall: 9, redisCpuMicrosPerMessage: 40 },
    ],
    cluster: {
      throughput: {
        single: { messagesPerSecond: 40_000 },
        cluster: { messagesPerSecond: 104_000 },
        measuredRatio: 2.6,
      },
      failover: { liveAgainAfterPromotionMs: 300, otherShardsLongestSilenceMs: 60 },
    },
  });
  const met = (r) => verdicts(r).map((v) => v.met);

  it('meets or misses each target from the figures of the run', () => {
    assert.deepEqual(met(results()), [
      true,
      true,
      true,
      true,
      true,
      false,
      true,
      true,
      true,
      true,
      true,
    ]);
  });
  it('misses a target when chatfleet falls behind the bar', () => {
    const r = results();
    r.contenders.chatfleet.steps[1] = step(40_000, 120, 0, { cpuMicrosPerDelivery: 13 });
    r.contenders.chatfleet.idle.bytesPerConnection = 2001;
    r.history.messagesPerSecond = 49_999;
    r.matchmaker.timeToMatchMs.p99 = 51;
    r.cluster.throughput.measuredRatio = 2.4;
    r.sendCost[0].scriptMicrosPerCall = 10.5;
    r.cluster.failover.liveAgainAfterPromotionMs = 3001;
    // 20,000/s sustained: half the floor's, level with Centrifugo's.
    assert.deepEqual(met(r), [
      false,
      true,
      false,
      false,
      false,
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
  });
  it('says "not measured" for a target whose contender did not run', () => {
    const r = results();
    r.contenders.centrifugo = { skipped: 'no binary', steps: [] };
    delete r.history;
    const v = verdicts(r);
    assert.equal(v[1].met, null);
    assert.equal(v[1].measured, 'not measured in this run');
    assert.equal(v[6].met, null);
  });
  it('does not judge a run smaller than the target asks (the smoke run)', () => {
    const r = results();
    r.contenders.chatfleet.idle.connections = 500;
    r.history.messages = 20_000;
    r.matchmaker.requestsPerSecond = 50;
    r.settings.clusterSeconds = 2;
    assert.deepEqual(met(r), [true, true, true, true, null, false, null, null, null, null, null]);
  });
});
