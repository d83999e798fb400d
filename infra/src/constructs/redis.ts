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
  /** Nodes in the replication group: one primary and the rest replicas (2 or 3). */
  replicas: number;
  snapshotRetentionDays: number;
}

/**
 * ElastiCache Redis 7: Multi-AZ with automatic failover, TLS in transit (required) and
 * encryption at rest, an auth token from the random provider kept in SSM Parameter Store
 * under its own KMS key (services read it at boot; it never appears in user data).
 */
export class Redis extends Construct {
  readonly endpoint: string;
  readonly port = 6379;
  readonly tokenParameterName: string;
  readonly tokenParameterArn: string;
  readonly securityGroupId: string;
  private readonly key: TokenKey;
  private readonly region: string;

  constructor(scope: Construct, id: string, p: RedisProps) {
    super(scope, id);
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
      parameter: [{ name: 'maxmemory-policy', value: 'noeviction' }],
    });
    const group = new ElasticacheReplicationGroup(this, 'group', {
      replicationGroupId: `${p.name}-redis`,
      description: 'chatfleet messages, presence and matchmaking',
      engine: 'redis',
      engineVersion: '7.1',
      nodeType: p.nodeType,
      numCacheClusters: p.replicas,
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
    // 80%, per node (ElastiCache names the group's members <group>-001, -002…).
    for (let i = 1; i <= p.replicas; i++) {
      const member = `${p.name}-redis-${String(i).padStart(3, '0')}`;
      new CloudwatchMetricAlarm(this, `memory-${i}`, {
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
    this.endpoint = group.primaryEndpointAddress;
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
