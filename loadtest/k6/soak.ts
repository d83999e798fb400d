// Soak: VUS mostly idle connections held for DURATION_S, each in one room and pinging every
// PING_S. A connection the server drops is counted, and the VU reconnects after a backoff with
// full jitter, as the browser client does.
import { sleep } from 'k6';
import exec from 'k6/execution';
import { Counter, Trend } from 'k6/metrics';
import { clearInterval, setInterval, setTimeout } from 'k6/timers';
import { connect, send, type Frame } from './lib/chat.ts';
import { TREND_STATS, WS_URL, nick, num } from './lib/config.ts';
import { summarize } from './lib/summary.ts';

const VUS = num('VUS', 50);
const DURATION_S = num('DURATION_S', 60);
const PING_S = num('PING_S', 10);
const ROOMS = num('ROOMS', 10);

const rtt = new Trend('chat_ping_rtt', true);
const dropped = new Counter('chat_dropped');
const reconnects = new Counter('chat_reconnects');

export const options = {
  scenarios: {
    soak: { executor: 'constant-vus', vus: VUS, duration: `${DURATION_S}s`, gracefulStop: '10s' },
  },
  summaryTrendStats: TREND_STATS,
  thresholds: {
    chat_ping_rtt: [`p(99)<${num('P99_MS', 250)}`],
    chat_dropped: [`count<=${num('MAX_DROPS', 0)}`],
    chat_errors: [`count<=${num('MAX_ERRORS', 0)}`],
  },
};

// Each VU runs in its own JavaScript runtime: this is that VU's count of drops in a row.
let drops = 0;

export default function (): void {
  const vu = exec.vu.idInTest;
  const iter = exec.vu.iterationInScenario;
  if (drops > 0) {
    reconnects.add(1);
    // Full jitter: anywhere up to 2^n seconds (capped at 30), so a dropped crowd spreads out.
    sleep(Math.random() * Math.min(30, 2 ** Math.min(drops, 5)));
  }
  dropped.add(0);
  const left = DURATION_S * 1000 - exec.instance.currentTestRunDuration;
  if (left < 1000) return;
  const pings = new Map<string, number>();
  let n = 0;
  let ending = false;
  const ws = connect(WS_URL, (f: Frame) => {
    if (f.type === 'welcome') send(ws, { type: 'join', room: `k6-soak-${vu % ROOMS}` });
    if (f.type === 'pong' && typeof f.ref === 'string') {
      const at = pings.get(f.ref);
      if (at !== undefined) rtt.add(Date.now() - at);
      pings.delete(f.ref);
    }
    if (f.type === 'bye') console.warn(`vu ${vu}: bye ${String(f.reason)}`);
  });
  const ticker = setInterval(() => {
    const ref = `p${++n}`;
    pings.set(ref, Date.now());
    send(ws, { type: 'ping', ref });
  }, PING_S * 1000);
  ws.onclose = () => {
    clearInterval(ticker);
    if (ending) return;
    dropped.add(1);
    drops++;
  };
  ws.onopen = () => {
    drops = 0;
    send(ws, { type: 'hello', nick: nick('k', vu, iter) });
  };
  setTimeout(() => {
    ending = true;
    send(ws, { type: 'quit' });
    ws.close();
  }, left - 500);
}

export const handleSummary = (data: Parameters<typeof summarize>[1]) => summarize('soak', data);
