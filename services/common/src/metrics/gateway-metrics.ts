import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { ERROR_CODES } from '../protocol/errors.js';
import { SERVER_TYPES } from '../protocol/frames.js';
import { LATENCY_BUCKETS } from './registry.js';

export const CLIENT_TYPES = [
  'hello',
  'join',
  'leave',
  'say',
  'dm',
  'match',
  'next',
  'rooms',
  'who',
  'history',
  'ping',
  'quit',
  'invalid',
] as const;

export interface GatewayMetrics {
  connections: Gauge<'transport'>;
  connectionsTotal: Counter<'transport'>;
  disconnects: Counter<'reason'>;
  framesIn: Counter<'type'>;
  framesOut: Counter<'type'>;
  errors: Counter<'code'>;
  delivery: Histogram<'kind'>;
  subscriptions: Gauge;
  redisUp: Gauge;
}

export function createGatewayMetrics(registry: Registry, transport: string): GatewayMetrics {
  const r = { registers: [registry] };
  const m: GatewayMetrics = {
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
      help: 'Closed connections by reason',
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
    subscriptions: new Gauge({
      name: 'chat_gateway_subscriptions',
      help: 'Conversation channels this gateway listens to',
      ...r,
    }),
    redisUp: new Gauge({
      name: 'chat_redis_up',
      help: '1 when the command connection to Redis is ready',
      ...r,
    }),
  };
  m.connections.set({ transport }, 0);
  m.connectionsTotal.inc({ transport }, 0);
  for (const t of CLIENT_TYPES) m.framesIn.inc({ type: t }, 0);
  for (const t of SERVER_TYPES) m.framesOut.inc({ type: t }, 0);
  for (const c of ERROR_CODES) m.errors.inc({ code: c }, 0);
  for (const k of ['room', 'dm']) m.delivery.zero({ kind: k });
  return m;
}
