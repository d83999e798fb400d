import { instanceOf, type BoardSpec } from './board.js';
import { processPanels, redisPanels } from './common-panels.js';
import { quantiles, rate, type PanelSpec } from './panels.js';

const panels = (sel: string): PanelSpec[] => [
  {
    title: 'Lag in entries',
    description:
      'Entries not yet read by the group, and read but not acknowledged. Growing lag: /history and offline mailboxes fall behind, add an instance; growing pending: batches keep failing.',
    unit: 'short',
    targets: [
      [`max(chat_history_writer_lag_entries{${sel}})`, 'unread'],
      [`max(chat_history_writer_pending_entries{${sel}})`, 'pending'],
    ],
  },
  {
    title: 'Lag in seconds',
    description:
      'Age of the oldest unread entry, by Redis’s clock. Above a few seconds, /history misses recent messages; it should return to 0 after any burst.',
    unit: 's',
    targets: [[`max(chat_history_writer_lag_seconds{${sel}})`, 'oldest unread']],
  },
  {
    title: 'Entries written, by kind',
    description:
      'Stream entries materialized per second (room messages, DMs). bad at all: an entry nobody can parse, a bug or a foreign writer.',
    unit: 'ops',
    targets: [[rate('chat_history_writer_events_total', sel, 'kind'), '{{kind}}']],
  },
  {
    title: 'Stamp to durable history',
    description:
      'From the message stamp to its write into history. p99 above a second means the writer falls behind or Redis is slow.',
    unit: 's',
    targets: quantiles('chat_history_writer_delay_seconds', sel, [0.5, 0.99]),
  },
  {
    title: 'Batch size',
    description:
      'Entries written per batch (one pipeline each). Always at BATCH_SIZE means the writer runs flat out: it is the bottleneck, add an instance.',
    unit: 'short',
    targets: quantiles('chat_history_writer_batch_size', sel, [0.5, 0.99]),
  },
  {
    title: 'Redis memory',
    description:
      'Redis’s memory in use and its maxmemory, read by the history-writer. The whole fleet shares it, and past maxmemory it refuses every write: ChatfleetRedisMemoryHigh fires at 80%.',
    unit: 'bytes',
    targets: [
      [`max(chat_redis_memory_used_bytes{${sel}})`, 'used'],
      [`max(chat_redis_memory_max_bytes{${sel}})`, 'maxmemory'],
    ],
  },
  {
    title: 'Moderation: open reports and bans',
    description:
      'Reports no moderator has closed (chatfleet-admin reports take, then done), how long the oldest has waited, and active bans. ChatfleetReportsWaiting fires past an hour.',
    unit: 'short',
    targets: [
      [`max(chat_reports_open{${sel}})`, 'open reports'],
      [`max(chat_reports_oldest_open_seconds{${sel}}) / 60`, 'oldest waiting (min)'],
      [`max by (kind) (chat_bans{${sel}})`, 'bans: {{kind}}'],
    ],
  },
  {
    title: 'Write errors and reclaims',
    description:
      'Batches whose writes failed (they stay pending and are retried), and entries taken over from dead consumers. A steady error rate: Redis refuses writes (memory full).',
    unit: 'ops',
    targets: [
      [rate('chat_history_writer_write_errors_total', sel), 'write errors'],
      [rate('chat_history_writer_reclaimed_total', sel), 'reclaimed'],
    ],
  },
];

const SEL = 'service="history-writer", instance=~"$instance"';

/** The history-writer in depth. */
export const historyWriter: BoardSpec = {
  uid: 'chatfleet-history-writer',
  title: 'chatfleet history-writer',
  sel: SEL,
  variables: [instanceOf('history-writer')],
  panels: [...panels(SEL), ...redisPanels(SEL), ...processPanels(SEL)],
};
