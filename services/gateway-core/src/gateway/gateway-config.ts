import {
  type BaseConfig,
  ConfigError,
  type Env,
  envBool,
  envInt,
  readBaseConfig,
} from '@chatfleet/runtime';
import { DEFAULT_STORE_LIMITS, type StoreLimits } from '@chatfleet/store';
import type { SessionLimits } from '../session/hub.js';

/** Settings both gateways share; each gateway's config.ts adds its own transport settings. */
export interface GatewayConfig extends BaseConfig {
  session: SessionLimits;
  store: StoreLimits;
  maxFrameBytes: number;
  maxConnectionsPerIp: number;
  /** New connections one gateway accepts per second (a burst as big); past it: refused, retry. */
  maxConnectsPerSec: number;
  /** The same per client address, checked first: one address cannot spend everyone's share. */
  maxConnectsPerAddress: number;
  maxBacklogBytes: number;
  heartbeatMs: number;
  healthGraceMs: number;
  /** How often a gateway compares its conversations' positions with what it dispatched. */
  positionCheckMs: number;
  /** V8's --optimize-for-size: a third of the memory per idle connection, for some CPU. */
  optimizeForSize: boolean;
}

export function readGatewayConfig(env: Env, defaultMetricsPort: number): GatewayConfig {
  const day = 24 * 3600 * 1000;
  const c: GatewayConfig = {
    ...readBaseConfig(env, defaultMetricsPort),
    session: {
      maxTextChars: envInt(env, 'MAX_TEXT_CHARS', 2000, 1, 100_000),
      maxRooms: envInt(env, 'MAX_ROOMS', 20, 1, 1000),
      ratePerSec: envInt(env, 'RATE_PER_SEC', 10, 1, 100_000),
      rateBurst: envInt(env, 'RATE_BURST', 20, 1, 100_000),
      floodLimit: envInt(env, 'FLOOD_LIMIT', 100, 1, 1_000_000),
      gatewayTimeoutMs: envInt(env, 'GATEWAY_TIMEOUT_MS', 10_000, 1000, 600_000),
      joinWaitMs: envInt(env, 'JOIN_WAIT_MS', 5000, 100, 60_000),
      paceBytes: envInt(env, 'PACE_BYTES', 65_536, 1024, 1_073_741_824),
      slowReaderMs: envInt(env, 'SLOW_READER_MS', 30_000, 1000, 3_600_000),
      maxPacedBytes: 0, // MAX_BACKLOG_BYTES, set below
      passwordFailsPerAddress: envInt(env, 'PASSWORD_FAILS_PER_ADDRESS', 10, 1, 1_000_000),
      passwordFailsPerRoom: envInt(env, 'PASSWORD_FAILS_PER_ROOM', 30, 1, 1_000_000),
      passwordWindowMs: envInt(env, 'PASSWORD_WINDOW_MS', 60_000, 1000, 86_400_000),
      passwordHashConcurrency: envInt(env, 'PASSWORD_HASH_CONCURRENCY', 2, 1, 64),
      roomListCacheMs: envInt(env, 'ROOM_LIST_CACHE_MS', 3000, 0, 60_000),
      nextIntervalMs: envInt(env, 'NEXT_INTERVAL_MS', 2000, 0, 600_000),
      reportsPerAddressHour: envInt(env, 'REPORTS_PER_ADDRESS_HOUR', 10, 1, 1_000_000),
      roomsPerAddressHour: envInt(env, 'ROOMS_PER_ADDRESS_HOUR', 20, 1, 1_000_000),
      offlineDmsPerHour: envInt(env, 'OFFLINE_DMS_PER_HOUR', 30, 1, 1_000_000),
      textBytesPerAddressMin: envInt(
        env,
        'TEXT_BYTES_PER_ADDRESS_MIN',
        131_072,
        1024,
        1_073_741_824,
      ),
    },
    store: {
      ...DEFAULT_STORE_LIMITS,
      recentMax: envInt(env, 'RECENT_MAX', 500, 20, 100_000),
      recentTtlMs: envInt(env, 'RECENT_TTL_DAYS', 30, 1, 3650) * day,
      eventsMaxLen: envInt(env, 'EVENTS_MAXLEN', 100_000, 1000, 100_000_000),
      mailboxMax: envInt(env, 'MAILBOX_MAX', 100, 1, 100_000),
      mailboxMaxAgeMs: envInt(env, 'MAILBOX_MAX_AGE_DAYS', 7, 1, 3650) * day,
      leaseMs: envInt(env, 'LEASE_MS', 60_000, 3000, 3_600_000),
      matchKeepMs: envInt(env, 'MATCH_KEEP_MS', 600_000, 1000, 30 * day),
      nickHoldMs: envInt(env, 'NICK_HOLD_MS', day, 0, 30 * day),
      ackReplicas: envInt(env, 'ACK_REPLICAS', 0, 0, 5),
      ackReplicasTimeoutMs: envInt(env, 'ACK_REPLICAS_TIMEOUT_MS', 1000, 10, 60_000),
    },
    maxFrameBytes: envInt(env, 'MAX_FRAME_BYTES', 8192, 256, 1_048_576),
    maxConnectionsPerIp: envInt(env, 'MAX_CONNECTIONS_PER_IP', 64, 1, 1_000_000),
    maxConnectsPerSec: envInt(env, 'MAX_CONNECTS_PER_SEC', 500, 1, 1_000_000),
    maxConnectsPerAddress: envInt(env, 'MAX_CONNECTS_PER_ADDRESS', 20, 1, 1_000_000),
    maxBacklogBytes: envInt(env, 'MAX_BACKLOG_BYTES', 1_048_576, 1024, 1_073_741_824),
    heartbeatMs: envInt(env, 'HEARTBEAT_MS', 2000, 100, 60_000),
    healthGraceMs: envInt(env, 'HEALTH_GRACE_MS', 3000, 0, 600_000),
    positionCheckMs: envInt(env, 'POSITION_CHECK_MS', 10_000, 100, 600_000),
    optimizeForSize: envBool(env, 'OPTIMIZE_FOR_SIZE', false),
  };
  // A lease renewed every GATEWAY_TIMEOUT_MS must survive a few missed renewals, or a slow
  // moment would drop nicks and places the reaper would never have touched.
  if (c.store.leaseMs < 3 * c.session.gatewayTimeoutMs)
    throw new ConfigError('LEASE_MS must be at least 3 × GATEWAY_TIMEOUT_MS');
  // Paced output must stay well under the point where a reader counts as slow.
  c.session.paceBytes = Math.min(c.session.paceBytes, Math.floor(c.maxBacklogBytes / 4));
  c.session.maxPacedBytes = c.maxBacklogBytes;
  return c;
}
