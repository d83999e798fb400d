import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Testing } from '../cdktf.js';
import { resources, synthConstruct } from '../test-helpers.js';
import { Network } from './network.js';

const azs = ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'];

describe('Network', () => {
  it('spans three AZs with public and private subnets and no public IPs on launch', () => {
    const { json, tf } = synthConstruct(
      (s) =>
        new Network(s, 'n', {
          name: 't',
          cidr: '10.0.0.0/16',
          azs,
          natPerAz: false,
          flowLogs: false,
        }),
    );
    assert.ok(
      Testing.toHaveResourceWithProperties(json, 'aws_vpc', {
        cidr_block: '10.0.0.0/16',
        enable_dns_hostnames: true,
      }),
    );
    const subnets = resources(tf, 'aws_subnet');
    assert.equal(subnets.length, 6);
    assert.deepEqual(new Set(subnets.map((s) => s['availability_zone'])), new Set(azs));
    for (const s of subnets) assert.equal(s['map_public_ip_on_launch'], false);
  });

  it('has one NAT gateway in dev and one per AZ in prod, and flow logs only when asked', () => {
    const one = synthConstruct(
      (s) =>
        new Network(s, 'n', {
          name: 't',
          cidr: '10.0.0.0/16',
          azs,
          natPerAz: false,
          flowLogs: false,
        }),
    );
    const three = synthConstruct(
      (s) =>
        new Network(s, 'n', {
          name: 't',
          cidr: '10.0.0.0/16',
          azs,
          natPerAz: true,
          flowLogs: true,
        }),
    );
    assert.equal(resources(one.tf, 'aws_nat_gateway').length, 1);
    assert.equal(resources(three.tf, 'aws_nat_gateway').length, 3);
    assert.equal(resources(one.tf, 'aws_flow_log').length, 0);
    assert.ok(
      Testing.toHaveResourceWithProperties(three.json, 'aws_flow_log', { traffic_type: 'ALL' }),
    );
    assert.ok(Testing.toHaveResourceWithProperties(three.json, 'aws_eip', { domain: 'vpc' }));
  });
});
