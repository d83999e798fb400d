import type { RedisClient } from '@chatfleet/runtime';

/** A connection to the store as health checks see it: usable or not, and when that changes. */
export interface Link {
  /** Whether commands can be sent now. */
  ready(): boolean;
  /** Its state in a word, for /healthz. */
  status(): string;
  /** `down` whenever it closes, `up` whenever it is usable again. */
  watch(l: { down(): void; up(): void }): void;
}

/** The link of one ioredis connection. */
export function redisLink(redis: RedisClient): Link {
  return {
    ready: () => redis.status === 'ready',
    status: () => redis.status,
    watch(l) {
      redis.on('close', () => l.down());
      redis.on('ready', () => l.up());
    },
  };
}
