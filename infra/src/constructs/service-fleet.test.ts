import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Testing } from '../cdktf.js';
import { policyStatements, resources, synthConstruct } from '../test-helpers.js';
import { ServiceFleet, type ServiceFleetProps } from './service-fleet.js';

const base: ServiceFleetProps = {
  env: 'dev',
  service: 'tcp-gateway',
  region: 'eu-west-1',
  vpcId: 'vpc-1',
  subnetIds: ['p1', 'p2', 'p3'],
  size: { instanceType: 't3.small', min: 1, max: 3, desired: 1 },
  imageTag: 'v1',
  metricsPort: 9101,
  trafficPort: 8888,
  redisEndpoint: 'redis.example.internal',
  tokenParameterName: '/chatfleet/t/redis-auth-token',
  tokenParameterArn: 'arn:aws:ssm:eu-west-1:1:parameter/chatfleet/t/redis-auth-token',
  targetGroupArns: ['tg-tcp'],
  serviceEnv: {},
  drainSeconds: 90,
};

describe('ServiceFleet', () => {
  it('launches Amazon Linux 2023 from the SSM parameter with IMDSv2 required and detailed monitoring', () => {
    const { tf } = synthConstruct((s) => new ServiceFleet(s, 'f', base));
    const [lt] = resources(tf, 'aws_launch_template');
    assert.match(
      String(lt?.['image_id']),
      /^resolve:ssm:\/aws\/service\/ami-amazon-linux-latest\/al2023/,
    );
    assert.deepEqual(lt?.['metadata_options'], {
      http_endpoint: 'enabled',
      http_tokens: 'required',
      http_put_response_hop_limit: 2,
      instance_metadata_tags: 'enabled',
    });
    assert.deepEqual(lt?.['monitoring'], { enabled: true });
  });

  it('reads the Redis token at boot instead of carrying it in user data', () => {
    const { tf } = synthConstruct((s) => new ServiceFleet(s, 'f', base));
    const ud = String(resources(tf, 'aws_launch_template')[0]?.['user_data']);
    assert.match(
      ud,
      /aws ssm get-parameter --region eu-west-1 --name \/chatfleet\/t\/redis-auth-token --with-decryption/,
    );
    assert.match(ud, /--restart always/);
    assert.match(ud, /--log-driver awslogs --log-opt mode=non-blocking/);
    // The URL with the token reaches the service as a file only, never as an environment value.
    assert.match(ud, /-v \/etc\/chatfleet\/redis-url:\/run\/secrets\/redis-url:ro/);
    assert.match(ud, /-e REDIS_URL_FILE=\/run\/secrets\/redis-url/);
    assert.match(ud, /chmod 440 \/etc\/chatfleet\/redis-url/);
    assert.doesNotMatch(ud, /-e REDIS_URL=/);
    // Metrics listen on loopback by default: here Prometheus and the NLB come across the VPC.
    assert.match(ud, /-e METRICS_HOST=0\.0\.0\.0 /);
    assert.doesNotMatch(ud, /random_password/);
  });

  it('gives a gateway ELB health checks, a drain hook, rolling refresh and CPU target tracking', () => {
    const { json } = synthConstruct((s) => new ServiceFleet(s, 'f', base));
    assert.ok(
      Testing.toHaveResourceWithProperties(json, 'aws_autoscaling_group', {
        health_check_type: 'ELB',
        min_size: 1,
        max_size: 3,
        target_group_arns: ['tg-tcp'],
        instance_refresh: {
          strategy: 'Rolling',
          preferences: {
            min_healthy_percentage: 100,
            max_healthy_percentage: 200,
            instance_warmup: '120',
            skip_matching: true,
          },
        },
      }),
    );
    assert.ok(
      Testing.toHaveResourceWithProperties(json, 'aws_autoscaling_lifecycle_hook', {
        lifecycle_transition: 'autoscaling:EC2_INSTANCE_TERMINATING',
        heartbeat_timeout: 90,
      }),
    );
    assert.ok(
      Testing.toHaveResourceWithProperties(json, 'aws_autoscaling_policy', {
        policy_type: 'TargetTrackingScaling',
      }),
    );
    assert.ok(Testing.toHaveResourceWithProperties(json, 'aws_ecr_lifecycle_policy', {}));
  });

  it('keeps a worker on EC2 health checks, without a scaling policy when its size is fixed', () => {
    const { json, tf } = synthConstruct(
      (s) =>
        new ServiceFleet(s, 'f', {
          ...base,
          service: 'matchmaker',
          metricsPort: 9103,
          targetGroupArns: [],
          size: { instanceType: 't3.micro', min: 2, max: 2, desired: 2 },
          trafficPort: undefined as unknown as number,
        }),
    );
    assert.ok(
      Testing.toHaveResourceWithProperties(json, 'aws_autoscaling_group', {
        health_check_type: 'EC2',
        min_size: 2,
      }),
    );
    assert.equal(resources(tf, 'aws_autoscaling_policy').length, 0);
    assert.equal(resources(tf, 'aws_vpc_security_group_ingress_rule').length, 0);
  });

  it('grants only what the host needs: its image, its parameter, its logs, its lifecycle action', () => {
    const { tf } = synthConstruct((s) => new ServiceFleet(s, 'f', base));
    const policy = String(resources(tf, 'aws_iam_role_policy')[0]?.['policy']);
    for (const action of [
      'ecr:GetAuthorizationToken',
      'ecr:BatchGetImage',
      'ssm:GetParameter',
      'logs:PutLogEvents',
      'autoscaling:CompleteLifecycleAction',
    ])
      assert.ok(policy.includes(action), action);
    assert.doesNotMatch(policy, /"Action":\s*"\*"|ssm:\*|ecr:\*|s3:/);
  });

  it('allows Session Manager without the managed policy that lets a host read every parameter', () => {
    const { tf } = synthConstruct((s) => new ServiceFleet(s, 'f', base));
    // AmazonSSMManagedInstanceCore allows ssm:GetParameter* on '*': the Redis token included.
    assert.equal(resources(tf, 'aws_iam_role_policy_attachment').length, 0);
    const statements = policyStatements(resources(tf, 'aws_iam_role_policy')[0]?.['policy']);
    const session = statements.find((st) => st.Action.includes('ssmmessages:OpenDataChannel'));
    assert.deepEqual(session?.Action.sort(), [
      'ssm:UpdateInstanceInformation',
      'ssmmessages:CreateControlChannel',
      'ssmmessages:CreateDataChannel',
      'ssmmessages:OpenControlChannel',
      'ssmmessages:OpenDataChannel',
    ]);
    for (const st of statements.filter((x) => x.Action.some((a) => a.startsWith('ssm:Get'))))
      assert.equal(st.Resource, base.tokenParameterArn, 'the token parameter, nothing else');
  });

  it('rolls each deploy out: the group follows the template version the deploy made', () => {
    // '$Latest' starts no instance refresh: new template versions would reach new instances only.
    const { tf } = synthConstruct((s) => new ServiceFleet(s, 'f', base));
    const asg = resources(tf, 'aws_autoscaling_group')[0];
    const lt = asg?.['launch_template'] as { id: string; version: string };
    assert.match(lt.version, /^\$\{aws_launch_template\.[\w-]+\.latest_version\}$/);
  });

  it('keeps a single instance serving during a deploy: its successor starts first', () => {
    const { tf } = synthConstruct(
      (s) =>
        new ServiceFleet(s, 'f', {
          ...base,
          size: { instanceType: 't3.small', min: 1, max: 1, desired: 1 },
        }),
    );
    const refresh = resources(tf, 'aws_autoscaling_group')[0]?.['instance_refresh'] as {
      preferences: Record<string, unknown>;
    };
    assert.equal(refresh.preferences['min_healthy_percentage'], 100);
    assert.equal(refresh.preferences['max_healthy_percentage'], 200);
  });

  it('lets make destroy remove an image repository that still holds images', () => {
    const { tf } = synthConstruct((s) => new ServiceFleet(s, 'f', base));
    assert.equal(resources(tf, 'aws_ecr_repository')[0]?.['force_delete'], true);
  });

  it('installs the drain watcher before anything that can fail, and lets it report its own host', () => {
    const { tf } = synthConstruct((s) => new ServiceFleet(s, 'f', base));
    const ud = String(resources(tf, 'aws_launch_template')[0]?.['user_data']);
    const script = readFileSync(new URL('../../host/chatfleet-watch.sh', import.meta.url));
    const at = ud.indexOf(
      `echo ${script.toString('base64')} | base64 -d > /usr/local/bin/chatfleet-watch`,
    );
    assert.ok(at > 0, 'the watcher is installed verbatim');
    assert.ok(at < ud.indexOf('dnf install -y docker'), 'before the first step that can fail');
    assert.match(ud, /GRACE_S=70/);
    const policy = String(resources(tf, 'aws_iam_role_policy')[0]?.['policy']);
    assert.ok(policy.includes('autoscaling:SetInstanceHealth'));
  });
});
