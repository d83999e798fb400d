// Spike: a storm of new connections. The arrival rate ramps to PEAK connections a second over
// RAMP_S, holds HOLD_S, and each connection says hello, stays STAY_S and quits. Shows how fast
// the fleet takes connections in and which HTTP status it refuses them with (429, 503).
import { check } from 'k6';
import exec from 'k6/execution';
import { Counter, Rate, Trend } from 'k6/metrics';
import ws from 'k6/ws';
import { chatErrors, readFrame } from './lib/chat.ts';
import { TREND_STATS, WS_URL, nick, num } from './lib/config.ts';
import { summarize } from './lib/summary.ts';

const PEAK = num('PEAK', 50);
const RAMP_S = num('RAMP_S', 10);
const HOLD_S = num('HOLD_S', 10);
const STAY_S = num('STAY_S', 5);

const connectTime = new Trend('chat_connect_time', true);
const connects = new Counter('chat_connects');
const accepted = new Rate('chat_connect_ok');

export const options = {
  scenarios: {
    spike: {
      executor: 'ramping-arrival-rate',
      startRate: 1,
      timeUnit: '1s',
      preAllocatedVUs: Math.ceil(PEAK * (STAY_S + 2)),
      maxVUs: Math.ceil(PEAK * (STAY_S + 2) * 2),
      stages: [
        { target: PEAK, duration: `${RAMP_S}s` },
        { target: PEAK, duration: `${HOLD_S}s` },
        { target: 0, duration: '2s' },
      ],
    },
  },
  summaryTrendStats: TREND_STATS,
  thresholds: {
    chat_connect_ok: [`rate>=${num('MIN_OK', 0.99)}`],
    chat_connect_time: [`p(95)<${num('P95_MS', 1000)}`],
    chat_errors: [`count<=${num('MAX_ERRORS', 0)}`],
  },
};

export default function (): void {
  const me = nick('p', exec.vu.idInTest, exec.vu.iterationInScenario);
  const started = Date.now();
  chatErrors.add(0);
  let welcomed = false;
  const res = ws.connect(WS_URL, null, (socket) => {
    socket.on('open', () => socket.send(JSON.stringify({ type: 'hello', nick: me })));
    socket.on('message', (data: string) => {
      if (readFrame(data)?.type !== 'welcome') return;
      welcomed = true;
      connectTime.add(Date.now() - started);
      socket.setTimeout(() => {
        socket.send(JSON.stringify({ type: 'quit' }));
        socket.close();
      }, STAY_S * 1000);
    });
    // Never hang: a connection that got no welcome gives up after STAY_S + 5 s.
    socket.setTimeout(() => socket.close(), (STAY_S + 5) * 1000);
  });
  const status = String(res?.status ?? 0);
  connects.add(1, { status });
  accepted.add(status === '101' && welcomed, { status });
  check(res, { 'upgraded (101)': (r) => r?.status === 101 });
}

export const handleSummary = (data: Parameters<typeof summarize>[1]) => summarize('spike', data);
