import { quantile, rate, type PanelSpec } from './panels.js';

/** Redis as one service sees it: command latency, failures, reconnects. */
export const redisPanels = (sel: string): PanelSpec[] => [
  {
    title: 'Redis command latency p99, by role and group',
    description:
      'Send to reply per connection role and command group (blocking reads are not timed). Above a few ms on a local network: Redis is saturated or slow scripts run; every request waits on it.',
    unit: 's',
    targets: [
      [
        quantile(0.99, 'chat_redis_command_duration_seconds', sel, 'role, group'),
        '{{role}} {{group}}',
      ],
    ],
  },
  {
    title: 'Redis failures and reconnects',
    description:
      'Failed commands (error replies, timeouts, refused while disconnected) and reconnects, by connection role. Any steady rate: read the logs; a burst of both is a Redis restart or failover.',
    unit: 'ops',
    targets: [
      [rate('chat_redis_command_errors_total', sel, 'role'), 'errors {{role}}'],
      [rate('chat_redis_reconnects_total', sel, 'role'), 'reconnects {{role}}'],
    ],
  },
];

/** The Node process: event loop, CPU, memory, and which build runs. */
export const processPanels = (sel: string): PanelSpec[] => [
  {
    title: 'Event-loop lag p99, by instance',
    description:
      'How long work waits for the Node event loop. Above 100 ms every client of that process waits: it is CPU-bound (scale out or profile).',
    unit: 's',
    targets: [
      [`max by (instance) (chat_nodejs_eventloop_lag_p99_seconds{${sel}})`, '{{instance}}'],
    ],
  },
  {
    title: 'CPU, by instance',
    description:
      'CPU seconds per second (1 = one core busy). Near the host’s core count the process saturates: latency follows; a single Node process cannot use more than about one core.',
    unit: 'percentunit',
    targets: [
      [
        `sum by (instance) (rate(chat_process_cpu_seconds_total{${sel}}[$__rate_interval]))`,
        '{{instance}}',
      ],
    ],
  },
  {
    title: 'Resident memory, by instance',
    description:
      'Resident set size. A climb with flat load is a leak; past the container or host limit the process is killed (OOM) and its users reconnect.',
    unit: 'bytes',
    targets: [[`max by (instance) (chat_process_resident_memory_bytes{${sel}})`, '{{instance}}']],
  },
  {
    title: 'Builds running',
    description:
      'Instances per git sha (chat_build_info). Two shas long after a deploy means the rollout stalled; "unknown" means the image was built without GIT_SHA.',
    unit: 'short',
    targets: [[`count by (git_sha, version) (chat_build_info{${sel}})`, '{{version}} {{git_sha}}']],
  },
];
