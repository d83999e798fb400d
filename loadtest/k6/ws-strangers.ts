// Strangers: ARRIVALS people a second for DURATION_S arrive, ask for a match, say MESSAGES
// things to their partner, then half of them `next` for another stranger and the rest leave.
import { check } from 'k6';
import exec from 'k6/execution';
import { Counter, Rate, Trend } from 'k6/metrics';
import { clearTimeout, setTimeout } from 'k6/timers';
import { connect, send, type Frame } from './lib/chat.ts';
import { TREND_STATS, WS_URL, nick, num, str } from './lib/config.ts';
import { summarize } from './lib/summary.ts';

const ARRIVALS = num('ARRIVALS', 4);
const DURATION_S = num('DURATION_S', 30);
const MESSAGES = num('MESSAGES', 3);
const MAX_WAIT_S = num('MAX_WAIT_S', 20);
const TAGS = str('TAGS', '')
  .split(',')
  .filter((t) => t !== '');

const timeToMatch = new Trend('chat_time_to_match', true);
const matches = new Counter('chat_matches');
const matched = new Rate('chat_matched');
const exchanged = new Counter('chat_partner_messages');

export const options = {
  scenarios: {
    strangers: {
      executor: 'constant-arrival-rate',
      rate: ARRIVALS,
      timeUnit: '1s',
      duration: `${DURATION_S}s`,
      preAllocatedVUs: Math.ceil(ARRIVALS * (MAX_WAIT_S + 10)),
      maxVUs: Math.ceil(ARRIVALS * (MAX_WAIT_S + 10) * 2),
    },
  },
  summaryTrendStats: TREND_STATS,
  thresholds: {
    chat_time_to_match: [`p(95)<${num('P95_MS', 2000)}`],
    chat_matched: [`rate>=${num('MIN_MATCHED', 0.9)}`],
    chat_errors: [`count<=${num('MAX_ERRORS', 0)}`],
    checks: [`rate>=${num('MIN_CHECKS', 0.95)}`],
  },
};

export default function (): void {
  const me = nick('s', exec.vu.idInTest, exec.vu.iterationInScenario);
  // A person asks at most twice: once on arrival, once more half the time after a chat.
  let rounds = Math.random() < 0.5 ? 2 : 1;
  let askedAt = 0;
  let room = '';
  let heard = 0;
  let waitTimer: number | undefined;
  // Set once the person leaves: a frame still on its way (a match made as they gave up) must
  // not make them send on a socket that is closing, which k6 counts as an error.
  let gone = false;
  const ask = () => {
    askedAt = Date.now();
    room = '';
    // Nobody came in MAX_WAIT_S: counted as not matched, and the person gives up.
    waitTimer = setTimeout(() => {
      if (room !== '') return;
      matched.add(false);
      leave();
    }, MAX_WAIT_S * 1000);
  };
  const leave = () => {
    gone = true;
    send(ws, { type: 'quit' });
    ws.close();
  };
  const done = () => {
    check(heard, { 'heard every message of the partner': (h) => h >= MESSAGES });
    rounds--;
    if (rounds > 0) {
      send(ws, { type: 'next', ref: 'next' });
      ask();
    } else leave();
  };
  const ws = connect(
    WS_URL,
    (f: Frame) => {
      if (gone) return;
      if (f.type === 'welcome') {
        send(ws, { type: 'match', tags: TAGS });
        ask();
      } else if (f.type === 'matched' && room === '') {
        if (waitTimer !== undefined) clearTimeout(waitTimer);
        room = String(f.room);
        timeToMatch.add(Date.now() - askedAt);
        matches.add(1);
        matched.add(true);
        heard = 0;
        for (let i = 0; i < MESSAGES; i++)
          send(ws, { type: 'say', room, text: `hi ${i}`, ref: `s${i}` });
      } else if (f.type === 'message' && f.room === room && f.from !== me) {
        exchanged.add(1);
        if (++heard === MESSAGES) done();
      } else if (f.type === 'partner_left' && f.room === room && heard < MESSAGES) {
        // Everything the partner said came before its leaving: this is a loss.
        done();
      } else if (f.type === 'error' && f.ref === 'next') {
        // The partner left just before our `next`: we are not matched, so ask afresh.
        send(ws, { type: 'match', tags: TAGS });
      }
    },
    (f) => f.ref === 'next' && f.code === 'not_matched',
  );
  ws.onopen = () => send(ws, { type: 'hello', nick: me });
}

export const handleSummary = (data: Parameters<typeof summarize>[1]) =>
  summarize('ws-strangers', data);
