import { describe, it } from 'node:test';
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { Testing } from '../cdktf.js';
import { policyStatements, resources, synthConstruct } from '../test-helpers.js';
import { Monitoring } from './monitoring.js';

describe('Monitoring', () => {
  /** The prometheus.yml the host's user data writes. */
  const prometheusConfig = () => {
    const ud = String(resources(tf, 'aws_instance')[0]?.['user_data_base64']);
    const b64 = /echo (\S+) \| base64 -d > \/etc\/prometheus\/prometheus\.yml/.exec(ud)?.[1];
    assert.ok(b64, 'the user data writes prometheus.yml');
    return Buffer.from(b64, 'base64').toString('utf8');
  };
  const { json, tf } = synthConstruct(
    (s) =>
      new Monitoring(s, 'm', {
        env: 'dev',
        region: 'eu-west-1',
        vpcId: 'v',
        subnetId: 'private-1',
        availabilityZone: 'eu-west-1a',
        healthCheckCidrs: ['10.0.0.0/20', '10.0.16.0/20'],
        adminCidrs: ['198.51.100.0/24'],
        grafanaTargetGroupArn: 'tg-grafana',
        grafanaUrl: 'https://chat.example.com:3000',
        imageTag: 'v1',
      }),
  );

  it('runs a private host with IMDSv2 that finds the fleet by EC2 tags', () => {
    assert.ok(
      Testing.toHaveResourceWithProperties(json, 'aws_instance', {
        subnet_id: 'private-1',
        associate_public_ip_address: false,
        metadata_options: {
          http_tokens: 'required',
          http_endpoint: 'enabled',
          http_put_response_hop_limit: 2,
        },
      }),
    );
    const config = prometheusConfig();
    assert.match(config, /ec2_sd_configs/);
    assert.match(config, /- name: tag:chatfleet:env\n\s+values: \[dev\]/);
    assert.match(config, /region: eu-west-1\n/);
    assert.ok(
      String(resources(tf, 'aws_iam_role_policy')[0]?.['policy']).includes('ec2:DescribeInstances'),
    );
  });

  it('lets admin CIDRs reach Grafana, and the load balancer health-check it from its subnets', () => {
    // Health checks come from the NLB's own addresses in the public subnets, not from clients.
    assert.deepEqual(
      resources(tf, 'aws_vpc_security_group_ingress_rule').map((r) => [
        r['cidr_ipv4'],
        r['from_port'],
      ]),
      [
        ['198.51.100.0/24', 3000],
        ['10.0.0.0/20', 3000],
        ['10.0.16.0/20', 3000],
      ],
    );
    assert.ok(
      Testing.toHaveResourceWithProperties(json, 'aws_lb_target_group_attachment', {
        target_group_arn: 'tg-grafana',
        port: 3000,
      }),
    );
  });

  it('keeps Prometheus and Grafana data on a volume that outlives the host', () => {
    const [vol] = resources(tf, 'aws_ebs_volume');
    assert.equal(vol?.['availability_zone'], 'eu-west-1a');
    assert.equal(vol?.['encrypted'], true);
    assert.equal(resources(tf, 'aws_volume_attachment').length, 1);
    const ud = String(resources(tf, 'aws_instance')[0]?.['user_data_base64']);
    assert.match(ud, /mount \/dev\/sdf \/data/);
    assert.match(ud, /-v \/data\/prometheus:\/prometheus/);
    assert.match(ud, /-v \/data\/grafana:\/var\/lib\/grafana/);
  });

  it('is not replaced by every apply, and is replaced (data kept) when its setup changes', () => {
    // The resolved AMI id reads back on the instance, which would force a new host on each apply.
    const [host] = resources(tf, 'aws_instance');
    assert.deepEqual(host?.['lifecycle'], { ignore_changes: ['ami', 'launch_template'] });
    assert.equal(host?.['user_data_replace_on_change'], true);
  });

  it('starts from a launch template that resolves the AMI alias, never an alias as ami (issue 24)', () => {
    // Real AWS refuses an aws_instance whose ami is "resolve:ssm:…" when it also has a
    // root_block_device: InvalidAMIID.Malformed at apply (hashicorp/terraform-provider-aws#43488).
    const [host] = resources(tf, 'aws_instance');
    assert.equal(host?.['ami'], undefined);
    assert.equal(host?.['root_block_device'], undefined);
    const [lt] = resources(tf, 'aws_launch_template');
    assert.match(
      String(lt?.['image_id']),
      /^resolve:ssm:\/aws\/service\/ami-amazon-linux-latest\//,
    );
    assert.deepEqual(lt?.['block_device_mappings'], [
      {
        device_name: '/dev/xvda',
        ebs: {
          volume_size: 30,
          volume_type: 'gp3',
          encrypted: 'true',
          delete_on_termination: 'true',
        },
      },
    ]);
    const ref = host?.['launch_template'] as { id?: string; version?: string } | undefined;
    assert.match(String(ref?.id), /aws_launch_template\..*\.id/);
    assert.equal(ref?.version, '$Latest');
  });

  it('scrapes only running instances', () => {
    assert.match(prometheusConfig(), /name: instance-state-name\n\s+values: \[running\]/);
  });

  it('lets make destroy remove the Grafana image repository', () => {
    assert.equal(resources(tf, 'aws_ecr_repository')[0]?.['force_delete'], true);
  });

  it('gives Grafana a random admin password from a SecureString only this host may read', () => {
    assert.ok(
      Testing.toHaveResourceWithProperties(json, 'random_password', { length: 32, special: false }),
    );
    const [param] = resources(tf, 'aws_ssm_parameter');
    assert.equal(param?.['type'], 'SecureString');
    assert.match(String(param?.['name']), /grafana-admin-password$/);
    assert.match(String(param?.['value']), /random_password\..*\.result/);
    const ud = String(resources(tf, 'aws_instance')[0]?.['user_data_base64']);
    assert.match(
      ud,
      /aws ssm get-parameter --region eu-west-1 --name \/chatfleet\/chatfleet-dev\/grafana-admin-password --with-decryption/,
    );
    assert.match(ud, /-e GF_SECURITY_ADMIN_PASSWORD__FILE=\/run\/secrets\/grafana-admin-password/);
    assert.match(ud, /chmod 440 \/etc\/grafana-secrets\/admin-password/);
    assert.match(ud, /GF_USERS_ALLOW_SIGN_UP=false/);
    assert.doesNotMatch(ud, /GF_SECURITY_ADMIN_PASSWORD=|random_password/);
    // Its role reads that one parameter, and has no Session Manager wildcard on parameters.
    const statements = policyStatements(resources(tf, 'aws_iam_role_policy')[0]?.['policy']);
    const reads = statements.filter((st) => st.Action.some((a) => a.startsWith('ssm:Get')));
    assert.deepEqual(
      reads.map((st) => st.Action),
      [['ssm:GetParameter']],
    );
    assert.match(
      String(reads[0]?.Resource),
      /^aws_ssm_parameter\.m_grafana-admin-param_[A-F0-9]+\.arn$/,
    );
    assert.equal(resources(tf, 'aws_iam_role_policy_attachment').length, 0);
  });

  it('marks the session cookie secure when Grafana is served over TLS', () => {
    const ud = String(resources(tf, 'aws_instance')[0]?.['user_data_base64']);
    assert.match(ud, /GF_SERVER_ROOT_URL=https:\/\/chat\.example\.com:3000/);
    assert.match(ud, /GF_SECURITY_COOKIE_SECURE=true/);
  });

  it('loads the alert rules of dashboards/prometheus/ into Prometheus', () => {
    const ud = String(resources(tf, 'aws_instance')[0]?.['user_data_base64']);
    const b64 = /echo (\S+) \| base64 -d > \/etc\/prometheus\/alerts\.yml/.exec(ud)?.[1] ?? '';
    const rules = readFileSync(
      new URL('../../../dashboards/prometheus/alerts.yml', import.meta.url),
      'utf8',
    );
    assert.equal(Buffer.from(b64, 'base64').toString('utf8'), rules);
    assert.match(prometheusConfig(), /rule_files:\n\s+- alerts\.yml/);
  });

  it('installs dashboards/prometheus/prometheus-aws.yml with the environment filled in', () => {
    const file = readFileSync(
      new URL('../../../dashboards/prometheus/prometheus-aws.yml', import.meta.url),
      'utf8',
    );
    assert.equal(
      prometheusConfig(),
      file.replaceAll('CHATFLEET_REGION', 'eu-west-1').replaceAll('CHATFLEET_ENV', 'dev'),
    );
  });
});
