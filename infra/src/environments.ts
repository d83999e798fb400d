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
   * eventsMaxLen: the partition streams' length (EVENTS_MAXLEN): 16 of them, up to ~2.3 KB an
   * entry, are the largest fixed share of Redis's memory, so they are sized to the node.
   */
  redis: {
    nodeType: string;
    replicas: number;
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
    replicas: 2,
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
  // 13 GiB a node: streams at most ~3.7 GB (16 × 100,000 × 2.3 KB), the rest for windows,
  // history and mailboxes; the memory alarm warns at 80%.
  redis: {
    nodeType: 'cache.r7g.large',
    replicas: 3,
    snapshotRetentionDays: 7,
    eventsMaxLen: 100_000,
  },
  fleets: {
    'tcp-gateway': { instanceType: 'c7i.large', min: 2, max: 12, desired: 3 },
    'ws-gateway': { instanceType: 'c7i.large', min: 2, max: 12, desired: 3 },
    matchmaker: { instanceType: 't3.small', min: 2, max: 3, desired: 2 },
    'history-writer': { instanceType: 't3.small', min: 2, max: 6, desired: 2 },
  },
};
