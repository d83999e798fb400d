import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { waitUntil } from './ports.js';
import { redisClient, startRedis, type TestRedis } from './redis-server.js';

/** A primary with one replica, and the failover that loses what the replica had not got. */
export interface ReplicatedRedis {
  /** Where the fleet connects: the primary, and after `failover` the replica's data. */
  primary: TestRedis;
  replica: TestRedis;
  /** Cuts replication: from here the replica keeps what it had, and the primary goes on. */
  freezeReplica(): Promise<void>;
  /**
   * kill -9 of the primary, then the frozen replica's data served on the primary's address, as
   * a managed Redis does when it promotes a replica behind one endpoint.
   */
  failover(): Promise<void>;
  destroy(): Promise<void>;
}

export async function startReplicatedRedis(): Promise<ReplicatedRedis> {
  const primary = await startRedis();
  const replica = await startRedis({ args: ['--replicaof', '127.0.0.1', String(primary.port)] });
  let admin: Redis | undefined = await redisClient(replica.url);
  const r = admin;
  await waitUntil(
    async () => /master_link_status:up/.test(await r.info('replication')),
    10_000,
    'the replica in sync',
  );
  return {
    primary,
    replica,
    async freezeReplica() {
      await r.replicaof('NO', 'ONE');
    },
    async failover() {
      await r.save();
      await primary.stop(true);
      copyFileSync(join(replica.dir, 'dump.rdb'), join(primary.dir, 'dump.rdb'));
      await primary.start();
    },
    async destroy() {
      admin?.disconnect();
      admin = undefined;
      await Promise.all([primary.destroy(), replica.destroy()]);
    },
  };
}
