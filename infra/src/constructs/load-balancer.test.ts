import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Testing } from '../cdktf.js';
import { resources, synthConstruct } from '../test-helpers.js';
import { LoadBalancer } from './load-balancer.js';

describe('LoadBalancer', () => {
  it('listens on TCP 8888 and TCP 80 without a certificate, tuned for long-lived connections', () => {
    const { json, tf } = synthConstruct(
      (s) =>
        new LoadBalancer(s, 'lb', {
          name: 't',
          vpcId: 'v',
          publicSubnetIds: ['a', 'b', 'c'],
          grafana: false,
        }),
    );
    assert.ok(
      Testing.toHaveResourceWithProperties(json, 'aws_lb', {
        load_balancer_type: 'network',
        internal: false,
      }),
    );
    assert.deepEqual(
      resources(tf, 'aws_lb_listener').map((l) => [l['port'], l['protocol']]),
      [
        [8888, 'TCP'],
        [80, 'TCP'],
      ],
    );
    for (const tg of resources(tf, 'aws_lb_target_group')) {
      // Flows outlive deregistration, so the drain watcher's SIGTERM can still say bye on them.
      assert.equal(tg['connection_termination'], false);
      assert.equal(tg['deregistration_delay'], '30');
      assert.equal((tg['health_check'] as Record<string, unknown>)['path'], '/healthz');
    }
  });

  it('terminates TLS on 443 for the ws-gateway, and on 3000 for Grafana, when a certificate is configured', () => {
    const { json } = synthConstruct(
      (s) =>
        new LoadBalancer(s, 'lb', {
          name: 't',
          vpcId: 'v',
          publicSubnetIds: ['a'],
          certificateArn: 'arn:cert',
          grafana: true,
        }),
    );
    assert.ok(
      Testing.toHaveResourceWithProperties(json, 'aws_lb_listener', {
        port: 443,
        protocol: 'TLS',
        certificate_arn: 'arn:cert',
      }),
    );
    assert.ok(
      // Grafana's login must not cross the internet in plain text.
      Testing.toHaveResourceWithProperties(json, 'aws_lb_listener', {
        port: 3000,
        protocol: 'TLS',
        certificate_arn: 'arn:cert',
      }),
    );
  });

  it('keeps an idle nc user connected as long as the gateway does (30 min), not 350 s', () => {
    const { tf } = synthConstruct(
      (s) =>
        new LoadBalancer(s, 'lb', {
          name: 't',
          vpcId: 'v',
          publicSubnetIds: ['a'],
          grafana: false,
        }),
    );
    const tcp = resources(tf, 'aws_lb_listener').find((l) => l['port'] === 8888);
    assert.equal(tcp?.['tcp_idle_timeout_seconds'], 1800);
  });
});
