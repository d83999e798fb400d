// Rooms under load: VUS sockets spread over ROOMS rooms, SENDERS of them saying RATE messages
// a second in total for SEND_S seconds. Every member receives every message of its room; each
// message carries its send time, so chat_e2e_latency is send → delivery at the receiver.
import { check } from 'k6';
import exec from 'k6/execution';
import { Counter, Rate, Trend } from 'k6/metrics';
import { clearInterval, setInterval, setTimeout } from 'k6/timers';
import { connect, send, type Frame } from './lib/chat.ts';
import { TREND_STATS, WS_URL, nick, num } from './lib/config.ts';
import { summarize } from './lib/summary.ts';

const VUS = num('VUS', 40);
const ROOMS = Math.min(num('ROOMS', 4), VUS);
const SENDERS = Math.min(num('SENDERS', 8), VUS);
const RATE = num('RATE', 40);
const WARMUP_S = num('WARMUP_S', 5);
const SEND_S = num('SEND_S', 20);
const DRAIN_S = num('DRAIN_S', 5);

const latency = new Trend('chat_e2e_latency', true);
const sent = new Counter('chat_messages_sent');
const delivered = new Counter('chat_messages_delivered');
const expected = new Counter('chat_messages_expected');
const ratio = new Rate('chat_delivered_ratio');

export const options = {
  scenarios: {
    rooms: {
      executor: 'per-vu-iterations',
      vus: VUS,
      iterations: 1,
      maxDuration: `${WARMUP_S + SEND_S + DRAIN_S + 30}s`,
    },
  },
  summaryTrendStats: TREND_STATS,
  thresholds: {
    chat_e2e_latency: [`p(95)<${num('P95_MS', 100)}`, `p(99)<${num('P99_MS', 250)}`],
    chat_delivered_ratio: [`rate>=${num('MIN_RATIO', 0.999)}`],
    chat_errors: [`count<=${num('MAX_ERRORS', 0)}`],
    checks: ['rate==1'],
  },
};

/** VU n (1-based) is in room (n-1) % ROOMS; the first SENDERS VUs send. */
const roomOf = (vu: number) => `k6-room-${(vu - 1) % ROOMS}`;
const sendersIn = (room: string) =>
  Array.from({ length: SENDERS }, (_, i) => i + 1).filter((v) => roomOf(v) === room);

export default function (): void {
  const vu = exec.vu.idInTest;
  const room = roomOf(vu);
  const sender = vu <= SENDERS;
  // Per sender in my room: how many of its messages reached me, and how many it says it sent.
  const got = new Map<number, number>();
  const totals = new Map<number, number>();
  let joined = false;
  let n = 0;
  const ws = connect(WS_URL, (f: Frame) => {
    if (f.type === 'welcome') send(ws, { type: 'join', room, ref: 'join' });
    if (f.type === 'joined' && f.ref === 'join') joined = true;
    if (f.type !== 'message' || f.room !== room) return;
    const [tag, from, seq, at] = String(f.text).split(':');
    if (tag === 'k6') {
      latency.add(Date.now() - Number(at));
      delivered.add(1);
      got.set(Number(from), (got.get(Number(from)) ?? 0) + 1);
    } else if (tag === 'k6done') totals.set(Number(from), Number(seq));
  });
  ws.onopen = () => send(ws, { type: 'hello', nick: nick('r', vu, 0) });
  let ticker: number | undefined;
  setTimeout(() => {
    check(joined, { 'joined its room before the send window': (j) => j });
    if (!sender) return;
    ticker = setInterval(
      () => {
        n++;
        send(ws, { type: 'say', room, text: `k6:${vu}:${n}:${Date.now()}` });
        sent.add(1);
      },
      (1000 * SENDERS) / Math.max(RATE, 0.001),
    );
  }, WARMUP_S * 1000);
  setTimeout(
    () => {
      if (ticker !== undefined) clearInterval(ticker);
      if (sender) send(ws, { type: 'say', room, text: `k6done:${vu}:${n}:${Date.now()}` });
    },
    (WARMUP_S + SEND_S) * 1000,
  );
  setTimeout(
    () => {
      // Every member was in the room for the whole window, so it should have every message.
      for (const s of sendersIn(room)) {
        const total = totals.get(s);
        const have = got.get(s) ?? 0;
        if (total === undefined) {
          ratio.add(false, { why: 'no_final_count' });
          continue;
        }
        expected.add(total);
        for (let i = 0; i < total; i++) ratio.add(i < have);
      }
      send(ws, { type: 'quit' });
      ws.close();
    },
    (WARMUP_S + SEND_S + DRAIN_S) * 1000,
  );
}

export const handleSummary = (data: Parameters<typeof summarize>[1]) => summarize('ws-rooms', data);
