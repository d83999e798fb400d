import { Construct } from 'constructs';
import { AutoscalingGroup } from '@cdktf/provider-aws/lib/autoscaling-group/index.js';
import { AutoscalingLifecycleHook } from '@cdktf/provider-aws/lib/autoscaling-lifecycle-hook/index.js';
import { AutoscalingPolicy } from '@cdktf/provider-aws/lib/autoscaling-policy/index.js';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group/index.js';
import { EcrLifecyclePolicy } from '@cdktf/provider-aws/lib/ecr-lifecycle-policy/index.js';
import { EcrRepository } from '@cdktf/provider-aws/lib/ecr-repository/index.js';
import { LaunchTemplate } from '@cdktf/provider-aws/lib/launch-template/index.js';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group/index.js';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule/index.js';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule/index.js';
import { Fn, Token } from '../cdktf.js';
import type { FleetSize, ServiceName } from '../environments.js';
import { HostRole, ecrPull, registryHost } from './host-role.js';
import { userData } from './user-data.js';

export interface ServiceFleetProps {
  env: string;
  service: ServiceName;
  region: string;
  vpcId: string;
  subnetIds: string[];
  size: FleetSize;
  imageTag: string;
  metricsPort: number;
  /** Gateways: the port clients reach through the load balancer. */
  trafficPort?: number;
  redisEndpoint: string;
  tokenParameterName: string;
  tokenParameterArn: string;
  targetGroupArns?: string[];
  serviceEnv: Record<string, string>;
  /** How long the terminate hook waits for the service to drain. */
  drainSeconds: number;
}

const AL2023 = 'resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64';

/** One service on EC2: image registry, least-privilege role, launch template, autoscaling group. */
export class ServiceFleet extends Construct {
  readonly securityGroupId: string;
  readonly repositoryUrl: string;
  readonly asgName: string;
  readonly roleArn: string;

  constructor(scope: Construct, id: string, p: ServiceFleetProps) {
    super(scope, id);
    const name = `${p.env}-${p.service}`;
    const repo = new EcrRepository(this, 'repo', {
      name: `chatfleet/${p.env}/${p.service}`,
      // make destroy must work once images were pushed; the images are rebuilt from git.
      forceDelete: true,
      imageTagMutability: 'MUTABLE',
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: [{ encryptionType: 'AES256' }],
    });
    new EcrLifecyclePolicy(this, 'repo-lifecycle', {
      repository: repo.name,
      policy: JSON.stringify({
        rules: [
          {
            rulePriority: 1,
            description: 'keep the last 20 images',
            selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 20 },
            action: { type: 'expire' },
          },
        ],
      }),
    });
    const logs = new CloudwatchLogGroup(this, 'logs', {
      name: `/chatfleet/${p.env}/${p.service}`,
      retentionInDays: 14,
    });
    this.asgName = name;
    const hookName = `${name}-drain`;
    const host = new HostRole(this, 'host', `${name}-host`, [
      ...ecrPull(repo.arn),
      { Effect: 'Allow', Action: ['ssm:GetParameter'], Resource: p.tokenParameterArn },
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: `${logs.arn}:*`,
      },
      {
        Effect: 'Allow',
        Action: ['autoscaling:CompleteLifecycleAction', 'autoscaling:SetInstanceHealth'],
        Resource: `arn:aws:autoscaling:${p.region}:*:autoScalingGroup:*:autoScalingGroupName/${name}`,
      },
    ]);

    const sg = new SecurityGroup(this, 'sg', {
      name,
      description: `chatfleet ${p.service} hosts`,
      vpcId: p.vpcId,
      tags: { Name: name },
    });
    new VpcSecurityGroupEgressRule(this, 'egress', {
      securityGroupId: sg.id,
      cidrIpv4: '0.0.0.0/0',
      ipProtocol: '-1',
      description: 'ECR, SSM, Redis, CloudWatch',
    });
    if (p.trafficPort !== undefined) {
      // The NLB keeps client addresses, so clients reach the hosts on the listener's target port.
      new VpcSecurityGroupIngressRule(this, 'clients', {
        securityGroupId: sg.id,
        cidrIpv4: '0.0.0.0/0',
        ipProtocol: 'tcp',
        fromPort: p.trafficPort,
        toPort: p.trafficPort,
        description: 'clients through the load balancer',
      });
    }
    this.securityGroupId = sg.id;

    const repoHost = registryHost(repo.repositoryUrl);
    const image = `${repo.repositoryUrl}:${p.imageTag}`;
    const lt = new LaunchTemplate(this, 'lt', {
      name,
      imageId: AL2023,
      instanceType: p.size.instanceType,
      iamInstanceProfile: { arn: host.profileArn },
      vpcSecurityGroupIds: [sg.id],
      metadataOptions: {
        httpEndpoint: 'enabled',
        httpTokens: 'required',
        httpPutResponseHopLimit: 2,
        instanceMetadataTags: 'enabled',
      },
      monitoring: { enabled: true },
      blockDeviceMappings: [
        {
          deviceName: '/dev/xvda',
          ebs: {
            volumeSize: 20,
            volumeType: 'gp3',
            encrypted: 'true',
            deleteOnTermination: 'true',
          },
        },
      ],
      userData: Fn.base64encode(
        userData({
          service: p.service,
          region: p.region,
          image,
          registry: repoHost,
          logGroup: logs.name,
          redisEndpoint: p.redisEndpoint,
          tokenParameter: p.tokenParameterName,
          asgName: name,
          hookName,
          // Leaves the watcher time to complete the action before the hook's own timeout.
          graceSeconds: Math.max(10, p.drainSeconds - 20),
          ports: [p.metricsPort, ...(p.trafficPort !== undefined ? [p.trafficPort] : [])],
          // Metrics listen on loopback unless told: Prometheus and the NLB reach them across the VPC.
          env: { ...p.serviceEnv, METRICS_HOST: '0.0.0.0', METRICS_PORT: String(p.metricsPort) },
        }),
      ),
      tagSpecifications: [{ resourceType: 'instance', tags: { Name: name } }],
      updateDefaultVersion: true,
    });
    const gateway = p.trafficPort !== undefined;
    const asg = new AutoscalingGroup(this, 'asg', {
      name,
      minSize: p.size.min,
      maxSize: p.size.max,
      desiredCapacity: p.size.desired,
      vpcZoneIdentifier: p.subnetIds,
      // The version this apply made, not '$Latest': a changed version starts the refresh below.
      launchTemplate: { id: lt.id, version: Token.asString(lt.latestVersion) },
      healthCheckType: gateway ? 'ELB' : 'EC2',
      healthCheckGracePeriod: 120,
      targetGroupArns: p.targetGroupArns ?? [],
      instanceRefresh: {
        strategy: 'Rolling',
        // Launch before terminate: even a group of one keeps serving while it is replaced.
        preferences: {
          minHealthyPercentage: 100,
          maxHealthyPercentage: 200,
          instanceWarmup: '120',
          skipMatching: true,
        },
      },
      tag: [
        { key: 'Name', value: name, propagateAtLaunch: true },
        { key: 'chatfleet:service', value: p.service, propagateAtLaunch: true },
        { key: 'chatfleet:env', value: p.env, propagateAtLaunch: true },
        { key: 'chatfleet:metrics-port', value: String(p.metricsPort), propagateAtLaunch: true },
      ],
    });
    new AutoscalingLifecycleHook(this, 'drain-hook', {
      name: hookName,
      autoscalingGroupName: asg.name,
      lifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
      heartbeatTimeout: p.drainSeconds,
      defaultResult: 'CONTINUE',
    });
    if (p.size.max > p.size.min) {
      new AutoscalingPolicy(this, 'cpu-target', {
        name: `${name}-cpu`,
        autoscalingGroupName: asg.name,
        policyType: 'TargetTrackingScaling',
        targetTrackingConfiguration: {
          predefinedMetricSpecification: { predefinedMetricType: 'ASGAverageCPUUtilization' },
          targetValue: gateway ? 55 : 70,
        },
      });
    }
    this.repositoryUrl = repo.repositoryUrl;
    this.roleArn = host.roleArn;
  }

  /** Lets the monitoring host (or a load balancer's health checks) reach the metrics port. */
  allowMetricsFrom(
    id: string,
    source: { securityGroupId?: string; cidr?: string },
    port: number,
  ): void {
    new VpcSecurityGroupIngressRule(this, `metrics-${id}`, {
      securityGroupId: this.securityGroupId,
      ...(source.securityGroupId
        ? { referencedSecurityGroupId: source.securityGroupId }
        : { cidrIpv4: source.cidr ?? '' }),
      ipProtocol: 'tcp',
      fromPort: port,
      toPort: port,
      description: `metrics and /healthz from ${id}`,
    });
  }
}
