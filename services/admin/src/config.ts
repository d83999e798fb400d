import { envInt, envString, readBaseConfig, type Env, ConfigError } from '@chatfleet/runtime';

export interface AdminConfig {
  redisUrl: string;
  redisCluster: boolean;
  prefix: string;
  partitions: number;
  /** Who the audit stream says acted, unless --as names someone. */
  moderator: string;
  /** Durable history's age limit (HISTORY_MAX_AGE_DAYS): removed ids are kept as long. */
  historyMaxAgeMs: number;
  /** A report another moderator took and left this long goes to the next who takes. */
  reportStaleMs: number;
}

/** The command's settings: the fleet's own (REDIS_URL, KEY_PREFIX…) and the moderator's name. */
export function readConfig(env: Env = process.env): AdminConfig {
  const base = readBaseConfig(env, 0);
  const moderator = envString(env, 'MODERATOR', envString(env, 'USER', 'operator'));
  if (!/^[A-Za-z0-9_.@-]{1,64}$/.test(moderator))
    throw new ConfigError('MODERATOR must be a name of [A-Za-z0-9_.@-], at most 64 characters');
  return {
    redisUrl: base.redisUrl,
    redisCluster: base.redisCluster,
    prefix: base.prefix,
    partitions: base.partitions,
    moderator,
    historyMaxAgeMs: envInt(env, 'HISTORY_MAX_AGE_DAYS', 30, 1, 3650) * 86_400_000,
    reportStaleMs: envInt(env, 'REPORT_STALE_MIN', 30, 1, 10_080) * 60_000,
  };
}
