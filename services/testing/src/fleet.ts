import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { FleetClock } from '@chatfleet/runtime';
import { createKeys, DEFAULT_STORE_LIMITS, type StoreContext } from '@chatfleet/store';
import type { TestCluster } from './cluster.js';
import { redisClient, startRedis, type TestRedis } from './redis-server.js';
import { startService, type ServiceName, type ServiceProcess } from './service-process.js';

export interface Fleet {
  redis: TestRedis;
  prefix: string;
  env: Record<string, string>;
  services: ServiceProcess[];
  gateways: ServiceProcess[];
  wsGateways: ServiceProcess[];
  add(name: ServiceName, env?: Record<string, string>): Promise<ServiceProcess>;
  /** A command client for the test to look inside (or upset) Redis; closed by stop(). */
  admin(): Promise<Redis>;
  /** A store context on that client (the fleet's prefix, 16 partitions, default limits). */
  store(): Promise<StoreContext>;
  stop(): Promise<void>;
}

export interface FleetOptions {
  gateways?: number;
  wsGateways?: number;
  matchmaker?: boolean;
  historyWriter?: boolean;
  env?: Record<string, string>;
  redis?: TestRedis;
  /** Runs the fleet on this Redis Cluster (REDIS_CLUSTER=1) instead of one redis-server. */
  cluster?: TestCluster;
}

/** A real redis-server and real service processes, with a fresh key prefix. */
export async function startFleet(o: FleetOptions = {}): Promise<Fleet> {
  const redis = o.redis ?? o.cluster?.servers[0] ?? (await startRedis());
  const prefix = `t${randomBytes(4).toString('hex')}`;
  const env = {
    REDIS_URL: o.cluster?.url ?? redis.url,
    ...(o.cluster ? { REDIS_CLUSTER: '1' } : {}),
    KEY_PREFIX: prefix,
    MODE_DETECT_MS: '150',
    // Every test client comes from 127.0.0.x: the per-address limits are tested where they are
    // set (limits and budgets tests; '' gives the default), not by every test that opens
    // twenty clients, rooms or reports at once.
    MAX_CONNECTS_PER_ADDRESS: '1000000',
    REPORTS_PER_ADDRESS_HOUR: '1000000',
    ROOMS_PER_ADDRESS_HOUR: '1000000',
    OFFLINE_DMS_PER_HOUR: '1000000',
    TEXT_BYTES_PER_ADDRESS_MIN: '1073741824',
    ...o.env,
  };
  const services: ServiceProcess[] = [];
  const gateways: ServiceProcess[] = [];
  const wsGateways: ServiceProcess[] = [];
  let admin: Promise<Redis> | undefined;
  const fleet: Fleet = {
    redis,
    prefix,
    env,
    services,
    gateways,
    wsGateways,
    async add(name, extra = {}) {
      const s = await startService(name, { ...env, ...extra });
      services.push(s);
      if (name === 'tcp-gateway') gateways.push(s);
      if (name === 'ws-gateway') wsGateways.push(s);
      return s;
    },
    admin() {
      if (o.cluster) return Promise.reject(new Error('a cluster fleet: use clusterClient(url)'));
      admin ??= redisClient(redis.url);
      return admin;
    },
    async store() {
      const keys = createKeys(prefix, 16);
      return {
        redis: await this.admin(),
        keys,
        limits: DEFAULT_STORE_LIMITS,
        clock: new FleetClock(),
      };
    },
    async stop() {
      if (admin) (await admin).disconnect();
      await Promise.all(services.map((s) => s.stop('SIGKILL')));
      if (!o.redis && !o.cluster) await redis.destroy();
    },
  };
  try {
    const starts: Promise<unknown>[] = [];
    for (let i = 0; i < (o.gateways ?? 1); i++) starts.push(fleet.add('tcp-gateway'));
    for (let i = 0; i < (o.wsGateways ?? 0); i++) starts.push(fleet.add('ws-gateway'));
    if (o.matchmaker ?? true) starts.push(fleet.add('matchmaker'));
    if (o.historyWriter ?? true) starts.push(fleet.add('history-writer'));
    await Promise.all(starts);
  } catch (err) {
    await fleet.stop();
    throw err;
  }
  return fleet;
}
