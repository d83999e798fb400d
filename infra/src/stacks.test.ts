import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ChatfleetStack } from './chatfleet-stack.js';
import { Testing } from './cdktf.js';
import { environments } from './settings.js';
import { policyStatements, resources, type Synth } from './test-helpers.js';

const SNAPSHOTS = fileURLToPath(new URL('../snapshots/', import.meta.url));
const LISTENER_TARGET_PORTS = new Set([8888, 8080]);
const userDataOf = (template: Record<string, unknown>): string => String(template['user_data']);

function synth(name: 'dev' | 'prod', env: NodeJS.ProcessEnv = {}): { json: string; tf: Synth } {
  const config = environments(env).find((e) => e.name === name)!;
  const json = Testing.synth(new ChatfleetStack(Testing.app(), name, config));
  return { json, tf: JSON.parse(json) as Synth };
}

for (const name of ['dev', 'prod'] as const) {
  describe(`the ${name} stack`, () => {
    const { json, tf } = synth(name);

    it('lets the world reach only the listener ports', () => {
      for (const r of resources(tf, 'aws_vpc_security_group_ingress_rule')) {
        if (r['cidr_ipv4'] === '0.0.0.0/0')
          assert.ok(
            LISTENER_TARGET_PORTS.has(Number(r['from_port'])) && r['from_port'] === r['to_port'],
            JSON.stringify(r),
          );
        assert.notEqual(r['cidr_ipv6'], '::/0');
      }
      for (const sg of resources(tf, 'aws_security_group'))
        assert.equal(sg['ingress'], undefined, 'no inline rules');
    });

    it('opens metrics ports only to the monitoring host and the NLB health checks', () => {
      const metrics = resources(tf, 'aws_vpc_security_group_ingress_rule').filter(
        (r) => Number(r['from_port']) >= 9101 && Number(r['from_port']) <= 9104,
      );
      assert.ok(metrics.length > 0);
      for (const r of metrics) {
        const fromMonitoring = String(r['referenced_security_group_id'] ?? '').includes(
          'monitoring',
        );
        const fromNlbSubnet =
          Number(r['from_port']) === 9101 &&
          String(r['cidr_ipv4'] ?? '').includes('aws_subnet.network_public-');
        assert.ok(fromMonitoring || fromNlbSubnet, JSON.stringify(r));
      }
    });

    it('encrypts Redis in transit and at rest, disks, and the token parameter', () => {
      const [rg] = resources(tf, 'aws_elasticache_replication_group');
      assert.equal(rg?.['transit_encryption_enabled'], true);
      assert.equal(rg?.['at_rest_encryption_enabled'], 'true');
      for (const lt of resources(tf, 'aws_launch_template')) {
        const ebs = (lt['block_device_mappings'] as { ebs: Record<string, unknown> }[])[0]?.ebs;
        assert.equal(ebs?.['encrypted'], 'true');
      }
      // A host's root disk comes from its (encrypted) launch template, never its own block.
      for (const i of resources(tf, 'aws_instance')) {
        assert.equal(i['root_block_device'], undefined);
        assert.ok(i['launch_template']);
      }
      for (const p of resources(tf, 'aws_ssm_parameter')) assert.equal(p['type'], 'SecureString');
      for (const r of resources(tf, 'aws_ecr_repository')) assert.ok(r['encryption_configuration']);
    });

    it('lets each host read only its own parameters, and only the four fleets decrypt the Redis token', () => {
      // No managed policy: AmazonSSMManagedInstanceCore allows ssm:GetParameter* on every parameter.
      assert.equal(resources(tf, 'aws_iam_role_policy_attachment').length, 0);
      // Host roles: the ones EC2 assumes (prod has a flow-log role too).
      const roles = Object.entries(tf.resource?.['aws_iam_role'] ?? {})
        .filter(([, r]) => String(r['assume_role_policy']).includes('ec2.amazonaws.com'))
        .map(([k]) => k);
      assert.equal(roles.length, 5);
      for (const p of resources(tf, 'aws_iam_role_policy'))
        for (const st of policyStatements(p['policy']))
          if (st.Action.some((a) => /^(ssm:Get|kms:|ssm:\*|\*)/.test(a)))
            assert.notEqual(st.Resource, '*', JSON.stringify(st));
      const [param] = resources(tf, 'aws_ssm_parameter').filter((p) =>
        String(p['name']).endsWith('redis-auth-token'),
      );
      assert.match(String(param?.['key_id']), /aws_kms_key\./);
      const [keyPolicy] = resources(tf, 'aws_kms_key_policy');
      const statements = policyStatements(keyPolicy?.['policy']);
      const fleets = roles
        .filter((r) => !r.startsWith('monitoring'))
        .map((r) => `aws_iam_role.${r}.arn`);
      const readers = statements.find((st) => st.Sid === 'FleetReadsToken');
      assert.deepEqual([readers?.Principal?.AWS].flat().sort(), fleets.sort());
      // The account (the deployer, through SSM) may use the key, but no host of the environment.
      const deployer = statements.find((st) => st.Sid === 'DeployerThroughSsm');
      assert.deepEqual(
        [deployer?.Condition?.['ArnNotEquals']?.['aws:PrincipalArn']].flat().sort(),
        roles.map((r) => `aws_iam_role.${r}.arn`).sort(),
      );
      for (const st of statements.filter((x) => x.Action.includes('kms:Decrypt')))
        assert.equal(
          st.Condition?.['StringEquals']?.['kms:ViaService'],
          'ssm.eu-west-1.amazonaws.com',
        );
    });

    it('requires IMDSv2 on every host', () => {
      for (const h of [...resources(tf, 'aws_launch_template'), ...resources(tf, 'aws_instance')]) {
        assert.equal((h['metadata_options'] as Record<string, unknown>)['http_tokens'], 'required');
      }
    });

    it('keeps secrets out of user data', () => {
      const scripts = [
        ...resources(tf, 'aws_launch_template').map((l) => l['user_data']),
        ...resources(tf, 'aws_instance').map((i) => i['user_data_base64']),
      ].filter((u) => u !== undefined);
      assert.equal(scripts.length, name === 'dev' || name === 'prod' ? 5 : 0);
      for (const s of scripts) {
        assert.doesNotMatch(String(s), /random_password|auth_token|BEGIN .*PRIVATE KEY/);
        assert.match(String(s), /get-parameter|prometheus/);
      }
    });

    it('keeps every user data script under the EC2 limit of 16 KB', () => {
      // The monitoring script carries the alert rules; the service scripts carry the watcher.
      for (const s of [
        ...resources(tf, 'aws_launch_template').map((l) => l['user_data']),
        ...resources(tf, 'aws_instance').map((i) => i['user_data_base64']),
      ])
        assert.ok(String(s).length < 15_000, `${String(s).length} characters`);
    });

    it('runs no host with a public address', () => {
      for (const s of resources(tf, 'aws_subnet'))
        assert.equal(s['map_public_ip_on_launch'], false);
      for (const i of resources(tf, 'aws_instance'))
        assert.equal(i['associate_public_ip_address'], false);
    });

    it('gives the fleets and outputs the issue asks for', () => {
      assert.equal(resources(tf, 'aws_autoscaling_group').length, 4);
      assert.equal(resources(tf, 'aws_ecr_repository').length, 5);
      for (const o of [
        'tcp_endpoint',
        'websocket_url',
        'page_url',
        'grafana_url',
        'redis_endpoint',
      ])
        assert.ok(tf.output?.[o], o);
      for (const asg of resources(tf, 'aws_autoscaling_group').filter((a) =>
        /matchmaker|history-writer/.test(String(a['name'])),
      )) {
        assert.ok(Number(asg['min_size']) >= 2, 'workers keep two instances');
      }
    });

    it('matches its snapshot (UPDATE_SNAPSHOTS=1 to accept a change)', () => {
      const file = `${SNAPSHOTS}${name}.json`;
      const pretty = `${JSON.stringify(JSON.parse(json), null, 2)}\n`;
      if (process.env['UPDATE_SNAPSHOTS'] === '1') {
        mkdirSync(SNAPSHOTS, { recursive: true });
        writeFileSync(file, pretty);
      }
      assert.ok(existsSync(file), `no snapshot ${file}: run with UPDATE_SNAPSHOTS=1 and review it`);
      assert.equal(pretty, readFileSync(file, 'utf8'));
    });
  });
}

describe('dev only', () => {
  const { tf } = synth('dev');
  it('stays on one Redis primary with 16 partitions and no REDIS_CLUSTER', () => {
    const [rg] = resources(tf, 'aws_elasticache_replication_group');
    assert.equal(rg?.['num_cache_clusters'], 2);
    assert.equal(rg?.['cluster_mode'], undefined);
    for (const t of resources(tf, 'aws_launch_template')) {
      if (String(t['name']).includes('monitoring')) continue;
      const script = userDataOf(t);
      assert.doesNotMatch(script, /REDIS_CLUSTER/);
      assert.match(script, /-e PARTITIONS=16 /);
      assert.match(script, /primary_endpoint_address\}:6379/);
    }
  });
});

describe('prod only', () => {
  const { tf } = synth('prod');
  it('is Multi-AZ: NAT per AZ, flow logs, Redis in cluster mode with a replica per shard', () => {
    assert.equal(resources(tf, 'aws_nat_gateway').length, 3);
    assert.equal(resources(tf, 'aws_flow_log').length, 1);
    const [rg] = resources(tf, 'aws_elasticache_replication_group');
    assert.equal(rg?.['multi_az_enabled'], true);
    assert.equal(rg?.['automatic_failover_enabled'], true);
    assert.equal(rg?.['cluster_mode'], 'enabled');
    assert.equal(rg?.['num_node_groups'], 3);
    assert.equal(rg?.['replicas_per_node_group'], 1);
  });

  it('starts every service on the cluster: REDIS_CLUSTER=1, 128 partitions, the configuration endpoint', () => {
    const templates = resources(tf, 'aws_launch_template');
    assert.equal(templates.filter((t) => !String(t['name']).includes('monitoring')).length, 4);
    for (const t of templates) {
      if (String(t['name']).includes('monitoring')) continue;
      const script = userDataOf(t);
      assert.match(script, /-e REDIS_CLUSTER=1 /, String(t['name']));
      assert.match(script, /-e PARTITIONS=128 /, String(t['name']));
      assert.match(
        script,
        /rediss:\/\/:\$TOKEN@\$\{aws_elasticache_replication_group\.[^}]+\.configuration_endpoint_address\}:6379/,
      );
    }
  });

  it('uses TLS on 443 and the domain when a certificate is configured, and S3 state when a bucket is', () => {
    const { tf: t } = synth('prod', {
      PROD_CERTIFICATE_ARN: 'arn:aws:acm:eu-west-1:1:certificate/x',
      PROD_DOMAIN: 'chat.example.com',
      STATE_BUCKET: 'tf-state',
    });
    assert.ok(
      resources(t, 'aws_lb_listener').some((l) => l['port'] === 443 && l['protocol'] === 'TLS'),
    );
    assert.equal((t.output?.['page_url'] as { value: string }).value, 'https://chat.example.com/');
    assert.ok(
      resources(t, 'aws_lb_listener').some((l) => l['port'] === 3000 && l['protocol'] === 'TLS'),
      'Grafana over TLS',
    );
    assert.equal(
      (t.output?.['grafana_url'] as { value: string }).value,
      'https://chat.example.com:3000',
    );
    const backend = (t['terraform'] as { backend: Record<string, Record<string, unknown>> })
      .backend;
    assert.equal(backend['s3']?.['bucket'], 'tf-state');
    assert.equal(backend['s3']?.['encrypt'], true);
  });

  it('refuses an admin CIDR open to the world', () => {
    assert.throws(() => environments({ ADMIN_CIDRS: '0.0.0.0/0' }), /ADMIN_CIDRS/);
  });
});
