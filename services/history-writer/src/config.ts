import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { DEFAULT_STORE_LIMITS, type StoreLimits } from '@chatfleet/store';
import { type BaseConfig, envInt, envString, readBaseConfig } from '@chatfleet/runtime';

export interface HistoryWriterConfig extends BaseConfig {
  historyMaxCount: number;
  historyMaxAgeMs: number;
  store: StoreLimits;
  batchSize: number;
  /** How long to gather a trickle of entries into one batch (history may lag by this much). */
  batchLingerMs: number;
  /** Entries a dead instance left unacknowledged this long are taken over. */
  claimIdleMs: number;
  gatewayTimeoutMs: number;
  consumer: string;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): HistoryWriterConfig {
  const day = 24 * 3600 * 1000;
  return {
    ...readBaseConfig(env, 9104),
    historyMaxCount: envInt(env, 'HISTORY_MAX_COUNT', 10_000, 1, 10_000_000),
    historyMaxAgeMs: envInt(env, 'HISTORY_MAX_AGE_DAYS', 30, 1, 3650) * day,
    store: {
      ...DEFAULT_STORE_LIMITS,
      mailboxMax: envInt(env, 'MAILBOX_MAX', 100, 1, 100_000),
      mailboxMaxAgeMs: envInt(env, 'MAILBOX_MAX_AGE_DAYS', 7, 1, 3650) * day,
      matchKeepMs: envInt(env, 'MATCH_KEEP_MS', 600_000, 1000, 30 * day),
    },
    batchSize: envInt(env, 'BATCH_SIZE', 500, 1, 10_000),
    batchLingerMs: envInt(env, 'BATCH_LINGER_MS', 100, 0, 1000),
    claimIdleMs: envInt(env, 'CLAIM_IDLE_MS', 15_000, 100, 3_600_000),
    gatewayTimeoutMs: envInt(env, 'GATEWAY_TIMEOUT_MS', 10_000, 1000, 600_000),
    consumer: envString(env, 'CONSUMER_NAME', `${hostname()}-${randomBytes(3).toString('hex')}`),
  };
}
