import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface WriterMetrics {
  events: Counter<'kind'>;
  lagEntries: Gauge;
  pendingEntries: Gauge;
  delay: Histogram;
  reclaimed: Counter;
  lagSeconds: Gauge;
  batchSize: Histogram;
  writeErrors: Counter;
  redisMemory: Gauge;
  redisMaxMemory: Gauge;
  reportsOpen: Gauge;
  reportsOldestSeconds: Gauge;
  bans: Gauge<'kind'>;
}

export function createWriterMetrics(registry: Registry): WriterMetrics {
  const r = { registers: [registry] };
  const m: WriterMetrics = {
    events: new Counter({
      name: 'chat_history_writer_events_total',
      help: 'Stream entries materialized, by kind',
      labelNames: ['kind'],
      ...r,
    }),
    lagEntries: new Gauge({
      name: 'chat_history_writer_lag_entries',
      help: 'Entries in the partition streams not yet read by the group',
      ...r,
    }),
    pendingEntries: new Gauge({
      name: 'chat_history_writer_pending_entries',
      help: 'Entries read but not yet acknowledged',
      ...r,
    }),
    delay: new Histogram({
      name: 'chat_history_writer_delay_seconds',
      help: 'From the message stamp to its materialization',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      ...r,
    }),
    reclaimed: new Counter({
      name: 'chat_history_writer_reclaimed_total',
      help: 'Pending entries taken over from dead consumers',
      ...r,
    }),
    lagSeconds: new Gauge({
      name: 'chat_history_writer_lag_seconds',
      help: 'Age of the oldest stream entry the group has not read yet (0 when caught up)',
      ...r,
    }),
    batchSize: new Histogram({
      name: 'chat_history_writer_batch_size',
      help: 'Stream entries written per batch (one pipeline per batch)',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000],
      ...r,
    }),
    reportsOpen: new Gauge({
      name: 'chat_reports_open',
      help: 'Reports no moderator has closed yet (taken or not), as chatfleet-admin reports lists them',
      ...r,
    }),
    reportsOldestSeconds: new Gauge({
      name: 'chat_reports_oldest_open_seconds',
      help: 'How long the oldest open report has waited (0 when none is open)',
      ...r,
    }),
    bans: new Gauge({
      name: 'chat_bans',
      help: 'Active bans, by kind (ident or address)',
      labelNames: ['kind'],
      ...r,
    }),
    writeErrors: new Counter({
      name: 'chat_history_writer_write_errors_total',
      help: 'Batches whose writes failed; they stay pending and are retried',
      ...r,
    }),
    redisMemory: new Gauge({
      name: 'chat_redis_memory_used_bytes',
      help: "Redis's memory in use (INFO memory used_memory), read by the history-writer",
      ...r,
    }),
    redisMaxMemory: new Gauge({
      name: 'chat_redis_memory_max_bytes',
      help: "Redis's maxmemory (0: no limit set), read by the history-writer",
      ...r,
    }),
  };
  for (const kind of ['room', 'dm', 'bad']) m.events.inc({ kind }, 0);
  return m;
}
