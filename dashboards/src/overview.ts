import type { BoardSpec } from './board.js';
import { errorsPanel, framesInPanel } from './gateway.js';
import { queuePanel, timeToMatchPanel } from './matchmaker.js';
import { quantiles, type PanelSpec } from './panels.js';

const panels = (sel: string): PanelSpec[] => [
  {
    title: 'Connections',
    description:
      'Open client connections by transport. A sudden drop is a gateway lost (its clients reconnect to the others); a steady climb with flat traffic can be leaked sessions.',
    unit: 'short',
    targets: [[`sum by (transport) (chat_connections{${sel}})`, '{{transport}}']],
  },
  {
    title: 'Message delivery latency',
    description:
      'From the stamp in Redis to the write to the client socket, per delivered copy. p99 above 100 ms means saturated gateways or Redis; the ChatfleetDeliveryLatencyHigh alert fires at 250 ms.',
    unit: 's',
    targets: quantiles('chat_message_delivery_seconds', sel, [0.5, 0.95, 0.99]),
  },
  framesInPanel(sel),
  errorsPanel(sel),
  queuePanel(sel),
  timeToMatchPanel(sel, [0.5, 0.9]),
  {
    title: 'History-writer lag',
    description:
      'Stream entries not yet read by the history-writer group, and read but not acknowledged. Growing lag means /history and offline mailboxes fall behind: add an instance.',
    unit: 'short',
    targets: [
      [`sum(chat_history_writer_lag_entries{${sel}})`, 'unread entries'],
      [`sum(chat_history_writer_pending_entries{${sel}})`, 'pending entries'],
    ],
  },
  {
    title: 'Redis connections',
    description:
      'Gateways with a ready command connection and a subscribed Pub/Sub connection, and Pub/Sub reconnects. Any dip below the gateway count means requests get unavailable.',
    unit: 'short',
    targets: [
      [`sum(chat_redis_up{${sel}})`, 'command connections up'],
      [`sum(chat_redis_subscriber_up{${sel}})`, 'subscribers up'],
      [`sum(increase(chat_resubscribes_total{${sel}}[$__rate_interval]))`, 'resubscribes'],
    ],
  },
  {
    title: 'Event-loop lag p99, by service',
    description:
      'How long work waits for the Node event loop. Above 100 ms every client of that process waits: it is CPU-bound (scale out or profile).',
    unit: 's',
    targets: [[`max by (service) (chat_nodejs_eventloop_lag_p99_seconds{${sel}})`, '{{service}}']],
  },
  {
    title: 'Disconnects by reason',
    description:
      'Connections the gateway closed or refused. flood and slow are clients that misbehave; shutdown is a deploy; ip_limit, origin and draining are refusals at connect.',
    unit: 'reqps',
    targets: [
      [`sum by (reason) (rate(chat_disconnects_total{${sel}}[$__rate_interval]))`, '{{reason}}'],
    ],
  },
];

const SEL = 'service=~"$service", instance=~"$instance"';

/** The fleet at a glance: connections, traffic, latency, errors, matchmaking, history, Redis. */
export const overview: BoardSpec = {
  uid: 'chatfleet-overview',
  title: 'chatfleet overview',
  sel: SEL,
  variables: [
    ['service', 'Service', 'label_values(chat_process_cpu_seconds_total, service)'],
    [
      'instance',
      'Instance',
      'label_values(chat_process_cpu_seconds_total{service=~"$service"}, instance)',
    ],
  ],
  panels: panels(SEL),
};
