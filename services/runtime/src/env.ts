// Helpers for each service's config.ts: the environment is passed in, never read here.
import { readFileSync } from 'node:fs';

export type Env = Readonly<Record<string, string | undefined>>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export function envString(env: Env, name: string, def: string): string {
  const v = env[name];
  return v === undefined || v === '' ? def : v;
}

export function envInt(
  env: Env,
  name: string,
  def: number,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return n;
}

export function envBool(env: Env, name: string, def: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

export function envPort(env: Env, name: string, def: number): number {
  return envInt(env, name, def, 0, 65535);
}

/**
 * REDIS_URL, or the contents of the file REDIS_URL_FILE names: a URL with a password then never
 * shows in the process environment (`docker inspect`, /proc/PID/environ).
 */
export function envRedisUrl(env: Env, cluster = false): string {
  const file = env['REDIS_URL_FILE'];
  let url: string;
  if (file) {
    if (env['REDIS_URL']) throw new ConfigError('set REDIS_URL or REDIS_URL_FILE, not both');
    try {
      url = readFileSync(file, 'utf8').trim();
    } catch (err) {
      throw new ConfigError(`REDIS_URL_FILE ${file} cannot be read: ${(err as Error).message}`);
    }
  } else url = envString(env, 'REDIS_URL', 'redis://127.0.0.1:6379');
  const name = file ? 'REDIS_URL_FILE' : 'REDIS_URL';
  const urls = cluster ? url.split(',').map((u) => u.trim()) : [url];
  if (!urls.every((u) => /^rediss?:\/\/[^\s,]+$/.test(u)))
    throw new ConfigError(
      cluster
        ? `${name} must hold redis:// or rediss:// seed node URLs separated by commas`
        : `${name} must hold a redis:// or rediss:// URL`,
    );
  if (new Set(urls.map((u) => u.split(':')[0])).size > 1)
    throw new ConfigError(`${name}: the seed nodes must all use redis:// or all rediss://`);
  return urls.join(',');
}

export function envPrefix(env: Env): string {
  const p = envString(env, 'KEY_PREFIX', 'cf');
  if (!/^[A-Za-z0-9_.-]{1,32}$/.test(p))
    throw new ConfigError('KEY_PREFIX must match [A-Za-z0-9_.-]{1,32}');
  return p;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function envLogLevel(env: Env): string {
  const l = envString(env, 'LOG_LEVEL', 'info');
  if (!(LOG_LEVELS as readonly string[]).includes(l))
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  return l;
}

export function envGitSha(env: Env): string {
  const sha = envString(env, 'GIT_SHA', 'unknown');
  if (sha !== 'unknown' && !/^[0-9a-f]{7,40}$/.test(sha))
    throw new ConfigError('GIT_SHA must be 7 to 40 lowercase hex digits (or unset)');
  return sha;
}

/** Settings every service shares: Redis, key layout, logs, metrics. */
export interface BaseConfig {
  /** One URL, or with `redisCluster` seed node URLs separated by commas. */
  redisUrl: string;
  /** REDIS_CLUSTER: Redis Cluster (ElastiCache cluster mode) instead of one Redis. */
  redisCluster: boolean;
  prefix: string;
  partitions: number;
  logLevel: string;
  metricsHost: string;
  metricsPort: number;
  /** The commit this build came from, shown by chat_build_info. */
  gitSha: string;
  /** How long SIGTERM may drain; the process exits one second after it at the latest. */
  shutdownGraceMs: number;
  /** Test hook: offsets this process's clock, to show that nothing depends on hosts' clocks. */
  clockSkewMs: number;
}

export function readBaseConfig(env: Env, defaultMetricsPort: number): BaseConfig {
  const redisCluster = envBool(env, 'REDIS_CLUSTER', false);
  return {
    redisUrl: envRedisUrl(env, redisCluster),
    redisCluster,
    prefix: envPrefix(env),
    // On a cluster, enough partitions to spread over about 32 shards (see docs/capacity.md).
    partitions: envInt(env, 'PARTITIONS', redisCluster ? 128 : 16, 1, 1024),
    logLevel: envLogLevel(env),
    // Loopback by default: /metrics tells an outsider more than it should (deployments that
    // scrape from another host set METRICS_HOST=0.0.0.0, as the AWS stack and compose do).
    metricsHost: envString(env, 'METRICS_HOST', '127.0.0.1'),
    metricsPort: envPort(env, 'METRICS_PORT', defaultMetricsPort),
    gitSha: envGitSha(env),
    shutdownGraceMs: envInt(env, 'SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
    clockSkewMs: envInt(env, 'CLOCK_SKEW_MS', 0, -86_400_000, 86_400_000),
  };
}

/**
 * Reads a service's configuration, or stops the process with one line naming the bad setting
 * (exit code 2): a stack trace for a typo in an environment value helps nobody.
 */
export function configOrExit<T>(service: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${service}: configuration error: ${err.message}\n`);
    process.exit(2);
  }
}
