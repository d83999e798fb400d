import type { Redis } from 'ioredis';
import { UnavailableError } from '../protocol/errors.js';
import type { Keys } from '../redis/keys.js';

/** Retention and window sizes shared by the gateways and the history-writer. */
export interface StoreLimits {
  recentMax: number;
  recentTtlMs: number;
  eventsMaxLen: number;
  joinHistory: number;
  mailboxMax: number;
  mailboxMaxAgeMs: number;
}

export const DEFAULT_STORE_LIMITS: StoreLimits = {
  recentMax: 500,
  recentTtlMs: 30 * 24 * 3600 * 1000,
  eventsMaxLen: 100_000,
  joinHistory: 20,
  mailboxMax: 100,
  mailboxMaxAgeMs: 7 * 24 * 3600 * 1000,
};

export interface StoreContext {
  redis: Redis;
  keys: Keys;
  limits: StoreLimits;
}

/** Runs a Redis call; any connection failure becomes `unavailable` for the client. */
export async function guarded<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new UnavailableError(err);
  }
}

/** Message ids carry their time: id = ms * 1000 + n. */
export const idFromMs = (ms: number) => ms * 1000;
