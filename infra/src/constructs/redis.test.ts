import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Testing } from '../cdktf.js';
import { resources, synthConstruct } from '../test-helpers.js';
import { Redis } from './redis.js';

describe('Redis', () => {
  const { json, tf } = synthConstruct((s) => {
    const r = new Redis(s, 'r', {
      name: 't',
      region: 'eu-west-1',
      vpcId: 'vpc-1',
      subnetIds: ['a', 'b', 'c'],
      nodeType: 'cache.t4g.small',
      nodesPerShard: 2,
      snapshotRetentionDays: 3,
    });
    r.allowFrom('fleet', 'sg-fleet');
    r.limitTokenTo(
      ['arn:aws:iam::1:role/dev-tcp-gateway-host'],
      ['arn:aws:iam::1:role/dev-tcp-gateway-host', 'arn:aws:iam::1:role/dev-monitoring'],
    );
  });

  it('alarms on each node past 80% of its memory for five minutes (noeviction: full refuses writes)', () => {
    const alarms = resources(tf, 'aws_cloudwatch_metric_alarm');
    assert.deepEqual(
      alarms.map((a) => (a['dimensions'] as Record<string, string>)['CacheClusterId']).sort(),
      ['t-redis-001', 't-redis-002'],
    );
    for (const a of alarms) {
      assert.equal(a['metric_name'], 'DatabaseMemoryUsagePercentage');
      assert.equal(a['namespace'], 'AWS/ElastiCache');
      assert.equal(a['threshold'], 80);
      assert.equal(a['comparison_operator'], 'GreaterThanThreshold');
      assert.equal(a['evaluation_periods'], 5);
      assert.equal(a['period'], 60);
    }
  });

  it('is a Multi-AZ Redis 7 replication group with failover, TLS and encryption at rest', () => {
    assert.ok(
      Testing.toHaveResourceWithProperties(json, 'aws_elasticache_replication_group', {
        engine: 'redis',
        engine_version: '7.1',
        num_cache_clusters: 2,
        automatic_failover_enabled: true,
        multi_az_enabled: true,
        transit_encryption_enabled: true,
        transit_encryption_mode: 'required',
        at_rest_encryption_enabled: 'true',
        auth_token_update_strategy: 'ROTATE',
        snapshot_retention_limit: 3,
      }),
    );
    assert.ok(
      Testing.toHaveResourceWithProperties(json, 'aws_elasticache_parameter_group', {
        family: 'redis7',
      }),
    );
  });

  it('keeps a random auth token in an SSM SecureString', () => {
    assert.ok(
      Testing.toHaveResourceWithProperties(json, 'random_password', { length: 48, special: false }),
    );
    const [param] = resources(tf, 'aws_ssm_parameter');
    assert.equal(param?.['type'], 'SecureString');
    assert.match(String(param?.['value']), /random_password\..*\.result/);
  });

  it('is reachable only from the fleet security groups on 6379', () => {
    const rules = resources(tf, 'aws_vpc_security_group_ingress_rule');
    assert.deepEqual(
      rules.map((r) => [r['referenced_security_group_id'], r['from_port'], r['cidr_ipv4']]),
      [['sg-fleet', 6379, undefined]],
    );
  });

  it('encrypts the token with its own rotating key, whose policy is set once the readers exist', () => {
    const [param] = resources(tf, 'aws_ssm_parameter');
    assert.match(String(param?.['key_id']), /^\$\{aws_kms_key\.r_token-key_[A-Za-z0-9_]+\.arn\}$/);
    const [key] = resources(tf, 'aws_kms_key');
    assert.equal(key?.['enable_key_rotation'], true);
    const [policy] = resources(tf, 'aws_kms_key_policy');
    assert.match(String(policy?.['key_id']), /aws_kms_key\.r_token-key_[A-Za-z0-9_]+\.key_id/);
    assert.match(String(policy?.['policy']), /FleetReadsToken/);
    assert.match(String(policy?.['policy']), /arn:aws:iam::1:role\/dev-monitoring/);
  });
});

describe('Redis in cluster mode', () => {
  const { json, tf } = synthConstruct((s) => {
    new Redis(s, 'r', {
      name: 't',
      region: 'eu-west-1',
      vpcId: 'vpc-1',
      subnetIds: ['a', 'b', 'c'],
      nodeType: 'cache.r7g.large',
      nodesPerShard: 2,
      shards: 3,
      snapshotRetentionDays: 7,
    });
  });

  it('is a cluster-mode replication group of 3 shards, each a primary and a replica, with failover', () => {
    const [rg] = resources(tf, 'aws_elasticache_replication_group');
    assert.equal(rg?.['cluster_mode'], 'enabled');
    assert.equal(rg?.['num_node_groups'], 3);
    assert.equal(rg?.['replicas_per_node_group'], 1);
    assert.equal(rg?.['num_cache_clusters'], undefined, 'a cluster sizes by node groups only');
    assert.equal(rg?.['automatic_failover_enabled'], true);
    assert.equal(rg?.['multi_az_enabled'], true);
    assert.equal(rg?.['transit_encryption_mode'], 'required');
    assert.ok(
      Testing.toHaveResourceWithProperties(json, 'aws_elasticache_parameter_group', {
        family: 'redis7',
        parameter: [
          { name: 'maxmemory-policy', value: 'noeviction' },
          { name: 'cluster-enabled', value: 'yes' },
        ],
      }),
    );
  });

  it('alarms on the memory of every node of every shard, by its cluster-mode name', () => {
    const ids = resources(tf, 'aws_cloudwatch_metric_alarm').map(
      (a) => (a['dimensions'] as Record<string, string>)['CacheClusterId'],
    );
    assert.deepEqual(ids.sort(), [
      't-redis-0001-001',
      't-redis-0001-002',
      't-redis-0002-001',
      't-redis-0002-002',
      't-redis-0003-001',
      't-redis-0003-002',
    ]);
  });
});
