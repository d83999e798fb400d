import type { BoardSpec } from './board.js';
import type { PanelSpec } from './panels.js';

// k6's Prometheus remote-write output: metrics prefixed k6_, counters _total, Rate metrics
// _rate, trends as the stats make loadtest exports (p50, p95, p99, max) in seconds.
const SEL = 'testid=~"$testid"';
const r = (metric: string, by = '') =>
  `sum${by ? ` by (${by})` : ''} (rate(${metric}{${SEL}}[$__rate_interval]))`;
const stats = (trend: string, ...s: string[]): [string, string][] =>
  s.map((q) => [`max(${trend}_${q}{${SEL}})`, q]);

const PANELS: PanelSpec[] = [
  {
    title: 'Virtual users',
    description:
      'Active k6 virtual users and the most allocated. A run that never reaches its planned VUs is short of VUs (raise maxVUs) or of load-generator CPU.',
    unit: 'short',
    targets: [
      [`sum(k6_vus{${SEL}})`, 'active'],
      [`sum(k6_vus_max{${SEL}})`, 'allocated'],
    ],
  },
  {
    title: 'WebSockets opened, by HTTP status',
    description:
      'Upgrades per second by status: 101 accepted; 429 past MAX_CONNECTIONS_PER_IP, 503 a draining gateway. Anything but 101 means the fleet refused the load.',
    unit: 'cps',
    targets: [[r('k6_ws_sessions_total', 'status'), '{{status}}']],
  },
  {
    title: 'Delivery latency seen by k6 (ws-rooms)',
    description:
      'Send to receipt on the k6 machine, both network legs included. If it climbs while the fleet’s own delivery latency (overview) stays low, k6 or the network is the limit.',
    unit: 's',
    targets: stats('k6_chat_e2e_latency', 'p50', 'p95', 'p99'),
  },
  {
    title: 'Messages sent and delivered (ws-rooms)',
    description:
      'Messages sent per second and copies delivered per second (one per member). Delivered should be sent × room size; a gap that persists is loss or a backlog.',
    unit: 'ops',
    targets: [
      [r('k6_chat_messages_sent_total'), 'sent'],
      [r('k6_chat_messages_delivered_total'), 'delivered'],
    ],
  },
  {
    title: 'Delivered ratio (ws-rooms)',
    description:
      'Delivered ÷ expected copies, checked at the end of a run. Anything below 1 is a message some member never got: chatfleet promises none are lost silently.',
    unit: 'percentunit',
    targets: [[`min(k6_chat_delivered_ratio_rate{${SEL}})`, 'delivered / expected']],
  },
  {
    title: 'Time to match (ws-strangers)',
    description:
      'From match to matched as k6 sees it. p95 above a couple of seconds with a steady arrival rate: the matchmaker is the bottleneck (see its dashboard).',
    unit: 's',
    targets: stats('k6_chat_time_to_match', 'p50', 'p95', 'p99'),
  },
  {
    title: 'Matches (ws-strangers)',
    description:
      'Matches per second, and the share of arrivals that found a partner within MAX_WAIT_S. A share falling below 1 at a steady rate: people give up waiting.',
    unit: 'short',
    targets: [
      [r('k6_chat_matches_total'), 'matches/s'],
      [`min(k6_chat_matched_rate{${SEL}})`, 'matched share'],
    ],
  },
  {
    title: 'Connection time (spike)',
    description:
      'From opening a socket to the welcome frame under a connection storm, and k6’s TCP+upgrade time. Climbing with the arrival rate: the gateways cannot take connections in fast enough.',
    unit: 's',
    targets: [
      ...stats('k6_chat_connect_time', 'p95', 'p99'),
      [`max(k6_ws_connecting_p95{${SEL}})`, 'upgrade p95'],
    ],
  },
  {
    title: 'Connections accepted (spike)',
    description:
      'Share of new connections that were upgraded and welcomed. Below 1: refusals (see the status panel) or a gateway too slow to say welcome.',
    unit: 'percentunit',
    targets: [[`min(k6_chat_connect_ok_rate{${SEL}})`, 'accepted']],
  },
  {
    title: 'Ping round trip and drops (soak)',
    description:
      'Ping to pong on held idle sockets, and sockets the server dropped. A p99 creeping up over hours, or any drop, is what a soak is for: leaks, timeouts, load-balancer idle limits.',
    unit: 's',
    targets: [
      ...stats('k6_chat_ping_rtt', 'p99'),
      [`sum(increase(k6_chat_dropped_total{${SEL}}[$__rate_interval]))`, 'dropped'],
    ],
  },
  {
    title: 'Errors, by code',
    description:
      'Error frames and socket errors per second as the scripts count them (code). Any internal or unavailable is the fleet failing; rate_limited means the script outran the per-connection limit.',
    unit: 'reqps',
    targets: [[r('k6_chat_errors_total', 'code'), '{{code}}']],
  },
  {
    title: 'Checks passed',
    description:
      'Share of k6 checks that passed (joined before sending, heard every partner message, upgraded). Below 1: read the run’s summary for which check failed.',
    unit: 'percentunit',
    targets: [[`min(k6_checks_rate{${SEL}})`, 'passed']],
  },
];

/** A k6 load-test run, to watch beside the fleet's dashboards. */
export const k6: BoardSpec = {
  uid: 'chatfleet-k6',
  title: 'chatfleet k6 load test',
  sel: SEL,
  variables: [['testid', 'Test run', 'label_values(k6_vus, testid)']],
  panels: PANELS,
};
