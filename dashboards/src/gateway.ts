import { instanceOf, type BoardSpec } from './board.js';
import { processPanels, redisPanels } from './common-panels.js';
import { quantiles, rate, type PanelSpec } from './panels.js';

/** Client frames by type (on the overview too). */
export const framesInPanel = (sel: string): PanelSpec => ({
  title: 'Frames in, by type',
  description:
    'Client frames per second. invalid: frames that never became a request; rate_limited: refused by the rate limit. A rise of either is a broken client or an attack.',
  unit: 'reqps',
  targets: [[rate('chat_frames_in_total', sel, 'type'), '{{type}}']],
});

/** Error frames by code (on the overview too). */
export const errorsPanel = (sel: string): PanelSpec => ({
  title: 'Errors, by code',
  description:
    'Error frames per second. internal and unavailable are ours (Redis away, or a bug: read the logs); the others are clients asking for what they may not have.',
  unit: 'reqps',
  targets: [[rate('chat_errors_total', sel, 'code'), '{{code}}']],
});

const panels = (sel: string): PanelSpec[] => [
  {
    title: 'Connections, by instance',
    description:
      'Open client connections per gateway. Uneven instances behind one load balancer mean long-lived connections from before a scale-out; a sudden drop is a gateway lost.',
    unit: 'short',
    targets: [[`sum by (instance) (chat_connections{${sel}})`, '{{instance}}']],
  },
  {
    title: 'Connections opened and ended',
    description:
      'Accepted connections per second, and endings by reason (quit and client are the client’s doing). Opens spiking with client endings: clients dropping and coming back; slow or flood: misbehaving clients.',
    unit: 'cps',
    targets: [
      [rate('chat_connections_total', sel), 'opened'],
      [rate('chat_disconnects_total', sel, 'reason'), 'ended: {{reason}}'],
    ],
  },
  framesInPanel(sel),
  {
    title: 'Frames out, by type',
    description:
      'Frames sent per second. message dominates under load (one per member per message); error growing relative to requests: see the errors panel.',
    unit: 'reqps',
    targets: [[rate('chat_frames_out_total', sel, 'type'), '{{type}}']],
  },
  errorsPanel(sel),
  {
    title: 'Delivery latency, by kind',
    description:
      'From the stamp in Redis to the write to the socket, per delivered copy, for room messages and DMs. p99 above 100 ms: this gateway or Redis is saturated (alert at 250 ms).',
    unit: 's',
    targets: quantiles('chat_message_delivery_seconds', sel, [0.5, 0.99], 'kind'),
  },
  {
    title: 'Fan-out duration',
    description:
      'Time to hand one message to all local members’ sockets. Milliseconds at p99 mean very large rooms on one gateway or a blocked event loop; it adds directly to delivery latency.',
    unit: 's',
    targets: quantiles('chat_fanout_seconds', sel, [0.5, 0.99]),
  },
  {
    title: 'Recovery',
    description:
      'Resubscribes after a Pub/Sub loss, catch-up reads, and catch-ups by outcome. Any recovered="false" or resync notice is a loss clients were told about.',
    unit: 'ops',
    targets: [
      [rate('chat_resubscribes_total', sel), 'resubscribes'],
      [rate('chat_catchup_reads_total', sel), 'catch-up reads'],
      [rate('chat_recoveries_total', sel, 'recovered'), 'recovered={{recovered}}'],
      [rate('chat_resync_notices_total', sel), 'resync notices'],
    ],
  },
  {
    title: 'Redis connections up, by instance',
    description:
      'Command connection ready and Pub/Sub connection subscribed (1 each). 0 for more than a few seconds: requests get unavailable and /healthz turns 503.',
    unit: 'short',
    targets: [
      [`min by (instance) (chat_redis_up{${sel}})`, 'commands {{instance}}'],
      [`min by (instance) (chat_redis_subscriber_up{${sel}})`, 'subscriber {{instance}}'],
    ],
  },
  {
    title: 'Subscriptions, by instance',
    description:
      'Conversation channels each gateway listens to. Growing while connections do not: subscriptions are not released.',
    unit: 'short',
    targets: [[`sum by (instance) (chat_gateway_subscriptions{${sel}})`, '{{instance}}']],
  },
  {
    title: 'Leases and reaps',
    description:
      'Liveness lease renewals by outcome, dead gateways reaped and their sessions cleaned. Failed renewals get a gateway declared dead; reaps without a gateway down mean live ones were declared dead.',
    unit: 'ops',
    targets: [
      [rate('chat_gateway_heartbeats_total', sel, 'outcome'), 'heartbeats {{outcome}}'],
      [rate('chat_gateway_reaps_total', sel), 'reaps'],
      [rate('chat_gateway_reaped_sessions_total', sel), 'reaped sessions'],
    ],
  },
  {
    title: 'Moderation and reports',
    description:
      'What this gateway did for moderators: connections or hellos a ban refused, live connections a ban ended, kicks, removals told to its members; and reports users filed. ban_refused climbing after a ban: the banned keep trying.',
    unit: 'ops',
    targets: [
      [rate('chat_gateway_moderation_total', sel, 'action'), '{{action}}'],
      [rate('chat_reports_total', sel), 'reports filed'],
    ],
  },
  {
    title: 'Memory per connection',
    description:
      'Resident memory divided by open connections, per instance. Growing with flat connections is a per-session leak (the ChatfleetMemoryPerConnectionGrowing alert); meaningless below ~100 connections.',
    unit: 'bytes',
    targets: [
      [
        `max by (instance) (chat_process_resident_memory_bytes{${sel}}) / clamp_min(sum by (instance) (chat_connections{${sel}}), 1)`,
        '{{instance}}',
      ],
    ],
  },
];

const wsOnly = (sel: string): PanelSpec[] => [
  {
    title: 'Backpressured WebSockets',
    description:
      'Sockets holding bytes uWebSockets.js could not send yet. Steadily non-zero: slow readers, which are dropped as slow past MAX_BACKLOG_BYTES.',
    unit: 'short',
    targets: [[`sum by (instance) (chat_ws_backpressured_sockets{${sel}})`, '{{instance}}']],
  },
];

/** One gateway service in depth. */
export function gateway(service: 'tcp-gateway' | 'ws-gateway'): BoardSpec {
  const sel = `service="${service}", instance=~"$instance"`;
  return {
    uid: `chatfleet-${service}`,
    title: `chatfleet ${service}`,
    sel,
    variables: [instanceOf(service)],
    panels: [
      ...panels(sel),
      ...(service === 'ws-gateway' ? wsOnly(sel) : []),
      ...redisPanels(sel),
      ...processPanels(sel),
    ],
  };
}
