import type { Redis } from 'ioredis';
import { slotOf } from '@chatfleet/store';
import { freeClusterPort, waitUntil } from './ports.js';
import { redisClient, startRedis, type TestRedis } from './redis-server.js';

const SLOTS = 16384;

/** One node as CLUSTER NODES describes it. */
export interface ClusterNodeInfo {
  id: string;
  port: number;
  primary: boolean;
  /** The primary it replicates (replicas only). */
  of?: string;
  failed: boolean;
  slots: [number, number][];
}

/**
 * A local Redis Cluster of real redis-server processes (cluster mode, free ports whose bus port
 * is free too), built with CLUSTER ADDSLOTSRANGE / MEET / REPLICATE, and the faults to try on it.
 */
export interface TestCluster {
  servers: TestRedis[];
  /** Seed node URLs, comma-separated, as REDIS_URL takes them with REDIS_CLUSTER=1. */
  url: string;
  /** Every node as a live node sees it now. */
  nodes(): Promise<ClusterNodeInfo[]>;
  /** The primary serving a slot now. */
  ownerOf(slot: number): Promise<ClusterNodeInfo>;
  /**
   * One name per live primary (by its port): the first of `name(0)`, `name(1)`… whose key
   * (`keyOf`) lands on a primary not picked yet.
   */
  onePerPrimary(
    name: (i: number) => string,
    keyOf: (name: string) => string,
  ): Promise<Map<number, string>>;
  /** The server listening on a port. */
  server(port: number): TestRedis;
  /** A command client on one node (not cluster-aware; for faults and checks). */
  admin(port: number): Promise<Redis>;
  /** Starts a stopped node again; resolved once it is a replica in sync (or a primary). */
  restart(port: number): Promise<void>;
  /** CLUSTER FAILOVER on a replica, resolved once it serves its slots. */
  failover(replicaPort: number): Promise<void>;
  /** Moves one slot and its keys to another primary, as `redis-cli --cluster reshard` does. */
  migrateSlot(slot: number, toPort: number): Promise<void>;
  /** Every slot served by a live primary (a dead one's replica promoted) all live nodes agree on. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  destroy(): Promise<void>;
}

export function parseClusterNodes(text: string): ClusterNodeInfo[] {
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const f = line.split(' ');
      const flags = (f[2] ?? '').split(',');
      const slots = f
        .slice(8)
        .filter((r) => !r.startsWith('['))
        .map((r): [number, number] => {
          const [a, b] = r.split('-').map(Number);
          return [a ?? 0, b ?? a ?? 0];
        });
      return {
        id: f[0] ?? '',
        port: Number((f[1] ?? '').split('@')[0]?.split(':')[1]),
        primary: flags.includes('master'),
        of: f[3] && f[3] !== '-' ? f[3] : undefined,
        failed: flags.includes('fail') || flags.includes('fail?'),
        slots,
      };
    });
}

export async function startRedisCluster(
  opts: { primaries?: number; replicas?: number; nodeTimeoutMs?: number } = {},
): Promise<TestCluster> {
  const primaries = opts.primaries ?? 3;
  const count = primaries * (1 + (opts.replicas ?? 1));
  const args = [
    '--cluster-enabled',
    'yes',
    '--cluster-config-file',
    'nodes.conf',
    '--cluster-node-timeout',
    String(opts.nodeTimeoutMs ?? 2000),
    // The other shards keep serving while one has no primary (ElastiCache's default too).
    '--cluster-require-full-coverage',
    'no',
  ];
  const servers: TestRedis[] = [];
  const admins = new Map<number, Redis>();
  const admin = async (port: number) => {
    let c = admins.get(port);
    if (!c || c.status === 'end') {
      c = await redisClient(`redis://127.0.0.1:${port}`);
      admins.set(port, c);
    }
    return c;
  };
  const destroy = async () => {
    for (const c of admins.values()) c.disconnect();
    await Promise.all(servers.map((s) => s.destroy()));
  };
  try {
    for (let i = 0; i < count; i++) {
      servers.push(await startRedis({ port: await freeClusterPort(), args }));
    }
    const first = await admin(servers[0]!.port);
    for (let i = 0; i < primaries; i++) {
      const from = Math.floor((i * SLOTS) / primaries);
      const to = Math.floor(((i + 1) * SLOTS) / primaries) - 1;
      await (await admin(servers[i]!.port)).call('CLUSTER', 'ADDSLOTSRANGE', from, to);
      await (await admin(servers[i]!.port)).call('CLUSTER', 'SET-CONFIG-EPOCH', i + 1);
    }
    for (const s of servers.slice(1)) await first.call('CLUSTER', 'MEET', '127.0.0.1', s.port);
    const known = async (port: number) =>
      parseClusterNodes(String(await (await admin(port)).call('CLUSTER', 'NODES')));
    for (const s of servers) {
      await waitUntil(async () => (await known(s.port)).length === count, 15_000, 'cluster meet');
    }
    const ids = await known(servers[0]!.port);
    const idOf = (port: number) => ids.find((n) => n.port === port)?.id ?? '';
    for (let i = primaries; i < count; i++) {
      const target = servers[i % primaries]!.port;
      await (await admin(servers[i]!.port)).call('CLUSTER', 'REPLICATE', idOf(target));
    }
    for (let i = primaries; i < count; i++) {
      const r = await admin(servers[i]!.port);
      await waitUntil(
        async () => /master_link_status:up/.test(await r.info('replication')),
        15_000,
        'replica in sync',
      );
    }
  } catch (err) {
    await destroy();
    throw err;
  }
  const alive = () => servers.filter((s) => s.running());
  const nodes = async () => {
    for (const s of alive()) {
      try {
        return parseClusterNodes(String(await (await admin(s.port)).call('CLUSTER', 'NODES')));
      } catch {
        // try the next node
      }
    }
    throw new Error('no cluster node answers');
  };
  const ownerOf = async (slot: number) => {
    const n = (await nodes()).find(
      (x) => x.primary && !x.failed && x.slots.some(([a, b]) => slot >= a && slot <= b),
    );
    if (!n) throw new Error(`slot ${slot} has no live primary`);
    return n;
  };
  // Who serves which slots, as one node sees it; undefined if a dead node still serves some.
  const view = async (port: number) => {
    const owners = parseClusterNodes(
      String(await (await admin(port)).call('CLUSTER', 'NODES')),
    ).filter((n) => n.primary && !n.failed && n.slots.length > 0);
    const up = new Set(alive().map((x) => x.port));
    if (owners.some((n) => !up.has(n.port))) return undefined;
    return owners
      .map((n) => `${n.id}:${n.slots.map((r) => r.join('-')).join(',')}`)
      .sort()
      .join(' ');
  };
  const waitHealthy = async (timeoutMs = 20_000) => {
    await waitUntil(
      async () => {
        const views = new Set<string>();
        for (const s of alive()) {
          const info = String(await (await admin(s.port)).call('CLUSTER', 'INFO'));
          if (!/cluster_state:ok/.test(info) || !/cluster_slots_ok:16384/.test(info)) return false;
          const v = await view(s.port);
          if (v === undefined) return false;
          views.add(v);
        }
        // Every live node agrees who serves what (a failover reaches the others by gossip).
        return views.size === 1;
      },
      timeoutMs,
      'a healthy cluster',
    );
  };
  const onePerPrimary = async (
    name: (i: number) => string,
    keyOf: (name: string) => string,
  ): Promise<Map<number, string>> => {
    const picked = new Map<number, string>();
    const primaries = (await nodes()).filter((n) => n.primary && !n.failed).length;
    for (let i = 0; picked.size < primaries && i < 2000; i++) {
      const owner = await ownerOf(slotOf(keyOf(name(i))));
      if (!picked.has(owner.port)) picked.set(owner.port, name(i));
    }
    return picked;
  };
  await waitHealthy();
  return {
    servers,
    onePerPrimary,
    url: servers.map((s) => s.url).join(','),
    nodes,
    ownerOf,
    server(port) {
      const s = servers.find((x) => x.port === port);
      if (!s) throw new Error(`no cluster node on port ${port}`);
      return s;
    },
    admin,
    async restart(port) {
      const s = servers.find((x) => x.port === port);
      if (!s) throw new Error(`no cluster node on port ${port}`);
      await s.start();
      admins.get(port)?.disconnect();
      admins.delete(port);
      const r = await admin(port);
      await waitUntil(
        async () => /master_link_status:up|role:master/.test(await r.info('replication')),
        20_000,
        `node ${port} back in the cluster`,
      );
      await waitHealthy();
    },
    async failover(replicaPort) {
      const r = await admin(replicaPort);
      await r.call('CLUSTER', 'FAILOVER');
      await waitUntil(
        async () => /role:master/.test(await r.info('replication')),
        15_000,
        'the replica promoted',
      );
      await waitHealthy();
    },
    async migrateSlot(slot, toPort) {
      const from = await ownerOf(slot);
      const to = (await nodes()).find((n) => n.port === toPort);
      if (!to?.primary) throw new Error(`port ${toPort} is not a primary`);
      const src = await admin(from.port);
      const dst = await admin(to.port);
      await dst.call('CLUSTER', 'SETSLOT', slot, 'IMPORTING', from.id);
      await src.call('CLUSTER', 'SETSLOT', slot, 'MIGRATING', to.id);
      for (;;) {
        const keys = (await src.call('CLUSTER', 'GETKEYSINSLOT', slot, 100)) as string[];
        if (keys.length === 0) break;
        await src.call('MIGRATE', '127.0.0.1', to.port, '', 0, 5000, 'KEYS', ...keys);
      }
      // The destination first, then the source; the other nodes learn it by gossip.
      await dst.call('CLUSTER', 'SETSLOT', slot, 'NODE', to.id);
      await src.call('CLUSTER', 'SETSLOT', slot, 'NODE', to.id);
      await waitHealthy();
    },
    waitHealthy,
    destroy,
  };
}
