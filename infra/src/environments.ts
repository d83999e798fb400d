/** Everything that differs between environments, typed; stacks are built from it alone. */
export interface FleetSize {
  instanceType: string;
  min: number;
  max: number;
  desired: number;
}

export interface EnvironmentConfig {
  name: 'dev' | 'prod';
  region: string;
  /** Static, so synth needs no AWS call. */
  azs: [string, string, string];
  vpcCidr: string;
  /** One NAT gateway per AZ (prod) or a single one (dev). */
  natPerAz: boolean;
  flowLogs: boolean;
  /**
   * eventsMaxLen: the partition streams' length (EVENTS_MAXLEN): `partitions` of them, up to
   * ~2.3 KB an entry, spread over the shards, are the largest fixed share of Redis's memory, so
   * they are sized to the node. `shards` turns on cluster mode (REDIS_CLUSTER=1 on every
   * service); without it, one primary. `partitions` is pinned here, not left to the services'
   * default: changing it moves every conversation to other keys (docs/deploy.md).
   */
  redis: {
    nodeType: string;
    /** Nodes per shard (or in the one group): one primary, the rest its replicas. */
    nodesPerShard: number;
    shards?: number;
    partitions: number;
    snapshotRetentionDays: number;
    eventsMaxLen: number;
  };
  fleets: Record<ServiceName, FleetSize>;
  /** ACM certificate for TLS on 443 → ws-gateway; without it the page is served on TCP 80. */
  certificateArn?: string;
  domainName?: string;
  /** Who may reach Grafana and Prometheus. */
  adminCidrs: string[];
  monitoring: boolean;
  imageTag: string;
  /** Remote state; local state when absent (tests, first experiments). */
  state?: { bucket: string; key: string; region: string; lockTable?: string };
}

export const SERVICES = ['tcp-gateway', 'ws-gateway', 'matchmaker', 'history-writer'] as const;
export type ServiceName = (typeof SERVICES)[number];

/** Ports and health checks, as each service's config.ts defaults them. */
export const SERVICE_PORTS: Record<ServiceName, { traffic?: number; metrics: number }> = {
  'tcp-gateway': { traffic: 8888, metrics: 9101 },
  'ws-gateway': { traffic: 8080, metrics: 9102 },
  matchmaker: { metrics: 9103 },
  'history-writer': { metrics: 9104 },
};

export const dev: EnvironmentConfig = {
  name: 'dev',
  region: 'eu-west-1',
  azs: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'],
  vpcCidr: '10.40.0.0/16',
  natPerAz: false,
  flowLogs: false,
  // 1.37 GiB a node: streams at most ~0.4 GB (16 × 10,000 × 2.3 KB).
  redis: {
    nodeType: 'cache.t4g.small',
    nodesPerShard: 2,
    partitions: 16,
    snapshotRetentionDays: 1,
    eventsMaxLen: 10_000,
  },
  fleets: {
    'tcp-gateway': { instanceType: 't3.small', min: 1, max: 3, desired: 1 },
    'ws-gateway': { instanceType: 't3.small', min: 1, max: 3, desired: 1 },
    matchmaker: { instanceType: 't3.micro', min: 2, max: 2, desired: 2 },
    'history-writer': { instanceType: 't3.micro', min: 2, max: 3, desired: 2 },
  },
  adminCidrs: ['203.0.113.0/24'],
  monitoring: true,
  imageTag: 'latest',
};

export const prod: EnvironmentConfig = {
  ...dev,
  name: 'prod',
  vpcCidr: '10.50.0.0/16',
  natPerAz: true,
  flowLogs: true,
  // Cluster mode, 3 shards of a primary and a replica (in two AZs). 13 GiB a node: a shard's
  // ~43 of the 128 streams hold at most ~3.0 GB (43 × 30,000 × 2.3 KB), the rest is for
  // windows, history and mailboxes; the memory alarm warns at 80%. More shards: docs/capacity.md.
  redis: {
    nodeType: 'cache.r7g.large',
    nodesPerShard: 2,
    shards: 3,
    partitions: 128,
    snapshotRetentionDays: 7,
    eventsMaxLen: 30_000,
  },
  fleets: {
    'tcp-gateway': { instanceType: 'c7i.large', min: 2, max: 12, desired: 3 },
    'ws-gateway': { instanceType: 'c7i.large', min: 2, max: 12, desired: 3 },
    matchmaker: { instanceType: 't3.small', min: 2, max: 3, desired: 2 },
    'history-writer': { instanceType: 't3.small', min: 2, max: 6, desired: 2 },
  },
};
