import { Construct } from 'constructs';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm/index.js';
import { ElasticacheParameterGroup } from '@cdktf/provider-aws/lib/elasticache-parameter-group/index.js';
import { ElasticacheReplicationGroup } from '@cdktf/provider-aws/lib/elasticache-replication-group/index.js';
import { ElasticacheSubnetGroup } from '@cdktf/provider-aws/lib/elasticache-subnet-group/index.js';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group/index.js';
import { SsmParameter } from '@cdktf/provider-aws/lib/ssm-parameter/index.js';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule/index.js';
import { Password } from '@cdktf/provider-random/lib/password/index.js';
import { TokenKey } from './token-key.js';

export interface RedisProps {
  name: string;
  region: string;
  vpcId: string;
  subnetIds: string[];
  nodeType: string;
  /** Nodes per shard (or in the one group): one primary and the rest replicas (2 or 3). */
  nodesPerShard: number;
  /** Cluster mode with this many shards (node groups); without it, one primary. */
  shards?: number;
  snapshotRetentionDays: number;
}

/**
 * ElastiCache Redis 7: Multi-AZ with automatic failover, TLS in transit (required) and
 * encryption at rest, an auth token from the random provider kept in SSM Parameter Store
 * under its own KMS key (services read it at boot; it never appears in user data). With
 * `shards`, cluster mode: the endpoint is the configuration endpoint, the services' seed.
 */
export class Redis extends Construct {
  /** The primary endpoint, or in cluster mode the configuration endpoint. */
  readonly endpoint: string;
  readonly cluster: boolean;
  readonly port = 6379;
  readonly tokenParameterName: string;
  readonly tokenParameterArn: string;
  readonly securityGroupId: string;
  private readonly key: TokenKey;
  private readonly region: string;

  constructor(scope: Construct, id: string, p: RedisProps) {
    super(scope, id);
    this.cluster = p.shards !== undefined;
    const token = new Password(this, 'auth-token', { length: 48, special: false });
    this.key = new TokenKey(this, 'token-key', p.name);
    this.region = p.region;
    const param = new SsmParameter(this, 'auth-token-param', {
      name: `/chatfleet/${p.name}/redis-auth-token`,
      type: 'SecureString',
      keyId: this.key.arn,
      value: token.result,
      description: 'ElastiCache auth token for the chatfleet services',
    });
    const sg = new SecurityGroup(this, 'sg', {
      name: `${p.name}-redis`,
      description: 'chatfleet Redis: reachable from the fleet only',
      vpcId: p.vpcId,
      tags: { Name: `${p.name}-redis` },
    });
    const subnets = new ElasticacheSubnetGroup(this, 'subnets', {
      name: `${p.name}-redis`,
      subnetIds: p.subnetIds,
    });
    const params = new ElasticacheParameterGroup(this, 'params', {
      name: `${p.name}-redis7`,
      family: 'redis7',
      description:
        'chatfleet: no eviction, keyspace of streams and sorted sets must not be evicted',
      parameter: [
        { name: 'maxmemory-policy', value: 'noeviction' },
        ...(this.cluster ? [{ name: 'cluster-enabled', value: 'yes' }] : []),
      ],
    });
    const shape = this.cluster
      ? {
          clusterMode: 'enabled',
          numNodeGroups: p.shards,
          replicasPerNodeGroup: p.nodesPerShard - 1,
        }
      : { numCacheClusters: p.nodesPerShard };
    const group = new ElasticacheReplicationGroup(this, 'group', {
      replicationGroupId: `${p.name}-redis`,
      description: 'chatfleet messages, presence and matchmaking',
      engine: 'redis',
      engineVersion: '7.1',
      nodeType: p.nodeType,
      ...shape,
      port: this.port,
      parameterGroupName: params.name,
      subnetGroupName: subnets.name,
      securityGroupIds: [sg.id],
      automaticFailoverEnabled: true,
      multiAzEnabled: true,
      transitEncryptionEnabled: true,
      transitEncryptionMode: 'required',
      atRestEncryptionEnabled: 'true',
      authToken: token.result,
      authTokenUpdateStrategy: 'ROTATE',
      snapshotRetentionLimit: p.snapshotRetentionDays,
      snapshotWindow: '03:00-04:00',
      maintenanceWindow: 'sun:05:00-sun:06:00',
      applyImmediately: false,
    });
    // Past maxmemory (noeviction) Redis refuses every write and the whole fleet stops: warn at
    // 80%, per node (ElastiCache names the group's members <group>-001, -002…, and in cluster
    // mode <group>-0001-001, shard then node).
    for (const [at, member] of members(`${p.name}-redis`, p.nodesPerShard, p.shards)) {
      new CloudwatchMetricAlarm(this, `memory-${at}`, {
        alarmName: `${member}-memory`,
        alarmDescription:
          'chatfleet Redis past 80% of its memory: look for an address spending its budgets (docs/protocol.md), a history-writer behind, then a larger node type',
        namespace: 'AWS/ElastiCache',
        metricName: 'DatabaseMemoryUsagePercentage',
        dimensions: { CacheClusterId: member },
        statistic: 'Maximum',
        period: 60,
        evaluationPeriods: 5,
        threshold: 80,
        comparisonOperator: 'GreaterThanThreshold',
        treatMissingData: 'breaching',
        dependsOn: [group],
      });
    }
    this.endpoint = this.cluster
      ? group.configurationEndpointAddress
      : group.primaryEndpointAddress;
    this.tokenParameterName = param.name;
    this.tokenParameterArn = param.arn;
    this.securityGroupId = sg.id;
  }

  /**
   * Who may decrypt the token: exactly the reader roles; no other host role of the environment,
   * even through the account's own IAM policies.
   */
  limitTokenTo(readers: string[], hosts: string[]): void {
    this.key.allow({ region: this.region, parameterArn: this.tokenParameterArn, readers, hosts });
  }

  /** Lets one fleet's security group reach Redis. */
  allowFrom(id: string, securityGroupId: string): void {
    new VpcSecurityGroupIngressRule(this, `from-${id}`, {
      securityGroupId: this.securityGroupId,
      referencedSecurityGroupId: securityGroupId,
      ipProtocol: 'tcp',
      fromPort: this.port,
      toPort: this.port,
      description: `Redis from ${id}`,
    });
  }
}

/** Each node's [construct id, ElastiCache member name]. */
function members(group: string, nodes: number, shards?: number): [string, string][] {
  const pad = (i: number, width: number) => String(i).padStart(width, '0');
  const ids = Array.from({ length: nodes }, (_, i) => i + 1);
  if (shards === undefined) return ids.map((i) => [String(i), `${group}-${pad(i, 3)}`]);
  return Array.from({ length: shards }, (_, s) =>
    ids.map((i): [string, string] => [`${s + 1}-${i}`, `${group}-${pad(s + 1, 4)}-${pad(i, 3)}`]),
  ).flat();
}
