import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface MatchmakerMetrics {
  queueLength: Gauge;
  timeToMatch: Histogram;
  matches: Counter;
  requests: Counter<'op'>;
  dropped: Counter<'reason'>;
  skipped: Counter;
}

export function createMatchmakerMetrics(registry: Registry): MatchmakerMetrics {
  const r = { registers: [registry] };
  const m: MatchmakerMetrics = {
    queueLength: new Gauge({
      name: 'chat_matchmaker_queue_length',
      help: 'Tickets waiting for a partner',
      ...r,
    }),
    timeToMatch: new Histogram({
      name: 'chat_matchmaker_time_to_match_seconds',
      help: 'From the match request to the pairing',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30, 60, 120],
      ...r,
    }),
    matches: new Counter({ name: 'chat_matchmaker_matches_total', help: 'Pairs made', ...r }),
    requests: new Counter({
      name: 'chat_matchmaker_requests_total',
      help: 'Requests applied, by op (requeue: queued again by the fleet after a match fell through)',
      labelNames: ['op'],
      ...r,
    }),
    dropped: new Counter({
      name: 'chat_matchmaker_dropped_tickets_total',
      help: 'Tickets dropped, by reason',
      labelNames: ['reason'],
      ...r,
    }),
    skipped: new Counter({
      name: 'chat_matchmaker_skipped_pairs_total',
      help: 'Pairs chosen but not made: a ticket was cancelled, replaced or paired meanwhile',
      ...r,
    }),
  };
  for (const op of ['match', 'requeue', 'update', 'cancel']) m.requests.inc({ op }, 0);
  m.dropped.inc({ reason: 'gateway_gone' }, 0);
  return m;
}
