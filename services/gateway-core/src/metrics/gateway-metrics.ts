import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { CLIENT_TYPES, ERROR_CODES, SERVER_TYPES, type ServerType } from '@chatfleet/protocol';
import { FANOUT_BUCKETS, LATENCY_BUCKETS } from '@chatfleet/runtime';

/** The `type` label of frames in: every client frame type, and two for frames never read. */
export const FRAME_IN_TYPES = [
  ...CLIENT_TYPES,
  // Frames that never became a request: unparseable, oversized, not UTF-8, binary...
  'invalid',
  // ...and frames refused by the per-connection rate limit before they were read.
  'rate_limited',
] as const;

/**
 * Why a connection ended or was refused: `quit` and `client` (hung up) are the client's doing,
 * the rest the gateway's; anything else is counted as `other`.
 */
export const DISCONNECT_REASONS = [
  'quit',
  'client',
  'flood',
  'slow',
  'idle',
  'replaced',
  'shutdown',
  'ip_limit',
  'address_busy',
  'busy',
  'draining',
  'origin',
  'banned',
  'kicked',
  'other',
] as const;

/** What this gateway did for moderators (docs/moderation.md). */
export const MODERATION_ACTIONS = ['ban_refused', 'ban_ended', 'kick', 'remove'] as const;

/** The bounded label value for a disconnect reason. */
export const disconnectReason = (reason: string): string =>
  (DISCONNECT_REASONS as readonly string[]).includes(reason) ? reason : 'other';

export interface GatewayMetrics {
  connections: Gauge<'transport'>;
  connectionsTotal: Counter<'transport'>;
  disconnects: Counter<'reason'>;
  framesIn: Counter<'type'>;
  framesOut: Counter<'type'>;
  errors: Counter<'code'>;
  delivery: Histogram<'kind'>;
  fanout: Histogram;
  subscriptions: Gauge;
  topicMembers: Gauge;
  redisUp: Gauge;
  subscriberUp: Gauge;
  resubscribes: Counter;
  catchUps: Counter;
  positionsOutOfStep: Counter;
  recoveries: Counter<'recovered'>;
  recoveryNotices: Counter;
  dmLosses: Counter;
  heartbeats: Counter<'outcome'>;
  reaps: Counter;
  reapedSessions: Counter;
  declaredDead: Counter;
  restores: Counter<'outcome'>;
  leaseRenewals: Counter<'outcome'>;
  reports: Counter;
  moderation: Counter<'action'>;
  bansHeld: Gauge;
  /** Children bound once: a label lookup per delivered frame was a visible share of fan-out. */
  framesOutOf: Record<ServerType, Counter.Internal>;
  roomDelivery: Histogram.Internal<'kind'>;
}

export function createGatewayMetrics(registry: Registry, transport: string): GatewayMetrics {
  const r = { registers: [registry] };
  const m: Omit<GatewayMetrics, 'framesOutOf' | 'roomDelivery'> = {
    connections: new Gauge({
      name: 'chat_connections',
      help: 'Open client connections',
      labelNames: ['transport'],
      ...r,
    }),
    connectionsTotal: new Counter({
      name: 'chat_connections_total',
      help: 'Accepted client connections',
      labelNames: ['transport'],
      ...r,
    }),
    disconnects: new Counter({
      name: 'chat_disconnects_total',
      help: "Connections ended or refused, by reason (quit and client: the client's doing)",
      labelNames: ['reason'],
      ...r,
    }),
    framesIn: new Counter({
      name: 'chat_frames_in_total',
      help: 'Client frames received, by type',
      labelNames: ['type'],
      ...r,
    }),
    framesOut: new Counter({
      name: 'chat_frames_out_total',
      help: 'Frames sent to clients, by type',
      labelNames: ['type'],
      ...r,
    }),
    errors: new Counter({
      name: 'chat_errors_total',
      help: 'Error frames sent, by code',
      labelNames: ['code'],
      ...r,
    }),
    delivery: new Histogram({
      name: 'chat_message_delivery_seconds',
      help: 'From the message stamp in Redis to the write to the client socket',
      labelNames: ['kind'],
      buckets: LATENCY_BUCKETS,
      ...r,
    }),
    fanout: new Histogram({
      name: 'chat_fanout_seconds',
      help: "Time this gateway spends handing one message to all of its local members' sockets",
      buckets: FANOUT_BUCKETS,
      ...r,
    }),
    subscriptions: new Gauge({
      name: 'chat_gateway_subscriptions',
      help: 'Conversation channels this gateway listens to',
      ...r,
    }),
    topicMembers: new Gauge({
      name: 'chat_topic_members',
      help: 'Room memberships served by native fan-out (one publish per message); the rest are per session',
      ...r,
    }),
    redisUp: new Gauge({
      name: 'chat_redis_up',
      help: '1 while the command connection to Redis is ready, 0 from the moment it closes',
      ...r,
    }),
    subscriberUp: new Gauge({
      name: 'chat_redis_subscriber_up',
      help: '1 while the Pub/Sub connection is connected and every subscription is confirmed',
      ...r,
    }),
    resubscribes: new Counter({
      name: 'chat_resubscribes_total',
      help: 'Times the Pub/Sub connection came back and resubscribed every conversation',
      ...r,
    }),
    catchUps: new Counter({
      name: 'chat_catchup_reads_total',
      help: 'Reads of a recovery window after the gateway could not be sure it heard everything',
      ...r,
    }),
    positionsOutOfStep: new Counter({
      name: 'chat_position_checks_out_of_step_total',
      help: 'Conversations the periodic position check found ahead of or behind what was dispatched',
      ...r,
    }),
    recoveries: new Counter({
      name: 'chat_recoveries_total',
      help: 'Catch-ups by outcome: recovered="false" means messages were lost and clients were told',
      labelNames: ['recovered'],
      ...r,
    }),
    dmLosses: new Counter({
      name: 'chat_dm_losses_total',
      help: 'DM conversations in which this gateway found that Redis lost acknowledged DMs (a failover); both sides were told',
      ...r,
    }),
    recoveryNotices: new Counter({
      name: 'chat_resync_notices_total',
      help: 'resync {recovered:false} frames sent to clients',
      ...r,
    }),
    heartbeats: new Counter({
      name: 'chat_gateway_heartbeats_total',
      help: "Renewals of this gateway's liveness lease, by outcome (failed: Redis refused or away)",
      labelNames: ['outcome'],
      ...r,
    }),
    reaps: new Counter({
      name: 'chat_gateway_reaps_total',
      help: 'Dead gateways this gateway cleaned up after',
      ...r,
    }),
    declaredDead: new Counter({
      name: 'chat_gateway_declared_dead_total',
      help: 'Times this gateway found the fleet had reaped it while it was alive (it then closed its sessions)',
      ...r,
    }),
    restores: new Counter({
      name: 'chat_gateway_session_restores_total',
      help: 'Sessions put back after Redis lost data or this gateway lost its leases, by outcome (failed ones are retried)',
      labelNames: ['outcome'],
      ...r,
    }),
    leaseRenewals: new Counter({
      name: 'chat_gateway_lease_renewals_total',
      help: 'Renewals of the leases on what this gateway holds (nick claims, member lists, session records), by outcome',
      labelNames: ['outcome'],
      ...r,
    }),
    reapedSessions: new Counter({
      name: 'chat_gateway_reaped_sessions_total',
      help: 'Sessions of dead gateways this gateway cleaned up (members, nicks, matches)',
      ...r,
    }),
    reports: new Counter({
      name: 'chat_reports_total',
      help: 'Reports users filed on others (kept in the reports stream for moderators)',
      ...r,
    }),
    moderation: new Counter({
      name: 'chat_gateway_moderation_total',
      help: 'Moderation this gateway carried out: connections or hellos a ban refused, connections a ban ended, kicks, removals told to its members',
      labelNames: ['action'],
      ...r,
    }),
    bansHeld: new Gauge({
      name: 'chat_gateway_bans',
      help: 'Bans this gateway holds (active or not yet pruned), as last read from Redis',
      ...r,
    }),
  };
  for (const a of MODERATION_ACTIONS) m.moderation.inc({ action: a }, 0);
  m.connections.set({ transport }, 0);
  for (const o of ['ok', 'failed']) m.heartbeats.inc({ outcome: o }, 0);
  m.connectionsTotal.inc({ transport }, 0);
  for (const t of FRAME_IN_TYPES) m.framesIn.inc({ type: t }, 0);
  for (const r of DISCONNECT_REASONS) m.disconnects.inc({ reason: r }, 0);
  for (const t of SERVER_TYPES) m.framesOut.inc({ type: t }, 0);
  for (const c of ERROR_CODES) m.errors.inc({ code: c }, 0);
  for (const k of ['room', 'dm']) m.delivery.zero({ kind: k });
  for (const v of ['true', 'false']) m.recoveries.inc({ recovered: v }, 0);
  const framesOutOf = Object.fromEntries(
    SERVER_TYPES.map((t) => [t, m.framesOut.labels({ type: t })]),
  ) as GatewayMetrics['framesOutOf'];
  return { ...m, framesOutOf, roomDelivery: m.delivery.labels({ kind: 'room' }) };
}
