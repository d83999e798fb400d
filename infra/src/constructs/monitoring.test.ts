import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Testing } from '../cdktf.js';
import { resources, synthConstruct } from '../test-helpers.js';
import { Monitoring } from './monitoring.js';

describe('Monitoring', () => {
  const { json, tf } = synthConstruct(
    (s) =>
      new Monitoring(s, 'm', {
        env: 'dev',
        region: 'eu-west-1',
        vpcId: 'v',
        subnetId: 'private-1',
        adminCidrs: ['198.51.100.0/24'],
        grafanaTargetGroupArn: 'tg-grafana',
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
    const script = String(resources(tf, 'aws_instance')[0]?.['user_data_base64']);
    assert.match(script, /ec2_sd_configs/);
    assert.match(script, /tag:chatfleet:env/);
    assert.ok(
      String(resources(tf, 'aws_iam_role_policy')[0]?.['policy']).includes('ec2:DescribeInstances'),
    );
  });

  it('lets only admin CIDRs reach Grafana, through the load balancer', () => {
    assert.deepEqual(
      resources(tf, 'aws_vpc_security_group_ingress_rule').map((r) => [
        r['cidr_ipv4'],
        r['from_port'],
      ]),
      [['198.51.100.0/24', 3000]],
    );
    assert.ok(
      Testing.toHaveResourceWithProperties(json, 'aws_lb_target_group_attachment', {
        target_group_arn: 'tg-grafana',
        port: 3000,
      }),
    );
  });
});
