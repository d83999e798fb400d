import { readFileSync } from 'node:fs';
import { Construct } from 'constructs';
import { EbsVolume } from '@cdktf/provider-aws/lib/ebs-volume/index.js';
import { EcrRepository } from '@cdktf/provider-aws/lib/ecr-repository/index.js';
import { Instance } from '@cdktf/provider-aws/lib/instance/index.js';
import { LaunchTemplate } from '@cdktf/provider-aws/lib/launch-template/index.js';
import { LbTargetGroupAttachment } from '@cdktf/provider-aws/lib/lb-target-group-attachment/index.js';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group/index.js';
import { SsmParameter } from '@cdktf/provider-aws/lib/ssm-parameter/index.js';
import { VolumeAttachment } from '@cdktf/provider-aws/lib/volume-attachment/index.js';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule/index.js';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule/index.js';
import { Password } from '@cdktf/provider-random/lib/password/index.js';
import { Fn } from '../cdktf.js';
import { HostRole, ecrPull, registryHost } from './host-role.js';

export interface MonitoringProps {
  env: string;
  region: string;
  vpcId: string;
  subnetId: string;
  /** The subnet's zone: the data volume must be created there, before the host. */
  availabilityZone: string;
  adminCidrs: string[];
  /** The load balancer's subnets, where its health checks come from. */
  healthCheckCidrs: string[];
  grafanaTargetGroupArn: string;
  /** Grafana's public URL (https when the load balancer terminates TLS on its port). */
  grafanaUrl: string;
  imageTag: string;
}

// The alert rules and scrape configuration of dashboards/prometheus/, carried as base64 like
// the host watcher (so Terraform never reads their ${} or quotes).
const promFile = (name: string) =>
  readFileSync(new URL(`../../../dashboards/prometheus/${name}`, import.meta.url), 'utf8');
const ALERTS_B64 = Buffer.from(promFile('alerts.yml')).toString('base64');

/** dashboards/prometheus/prometheus-aws.yml for one environment, as base64. */
export const prometheusConfigB64 = (region: string, env: string): string =>
  Buffer.from(
    promFile('prometheus-aws.yml')
      .replaceAll('CHATFLEET_REGION', region)
      .replaceAll('CHATFLEET_ENV', env),
  ).toString('base64');

const AL2023 = 'resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64';

/**
 * One private host running Prometheus (finding the fleet by EC2 tags) and Grafana (our image,
 * dashboards provisioned). Grafana is reached through the NLB on 3000, from admin CIDRs only;
 * Prometheus through Session Manager port forwarding. Their data lives on its own volume: a
 * change to the host's setup replaces the host (so the new setup really runs) and keeps it.
 * Grafana's admin password is random, kept as a SecureString the host alone may read.
 */
export class Monitoring extends Construct {
  readonly securityGroupId: string;
  readonly roleArn: string;
  readonly adminPasswordParameterName: string;
  readonly grafanaRepositoryUrl: string;

  constructor(scope: Construct, id: string, p: MonitoringProps) {
    super(scope, id);
    const name = `${p.env}-monitoring`;
    const repo = new EcrRepository(this, 'grafana-repo', {
      name: `chatfleet/${p.env}/grafana`,
      forceDelete: true,
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: [{ encryptionType: 'AES256' }],
    });
    const password = new Password(this, 'grafana-admin', { length: 32, special: false });
    const passwordName = `/chatfleet/chatfleet-${p.env}/grafana-admin-password`;
    const passwordParam = new SsmParameter(this, 'grafana-admin-param', {
      name: passwordName,
      type: 'SecureString',
      value: password.result,
      description: 'Grafana admin password (user admin) on the chatfleet monitoring host',
    });
    const access = new HostRole(this, 'access', name, [
      {
        Effect: 'Allow',
        Action: ['ec2:DescribeInstances', 'ec2:DescribeAvailabilityZones'],
        Resource: '*',
      },
      { Effect: 'Allow', Action: ['ssm:GetParameter'], Resource: passwordParam.arn },
      ...ecrPull(repo.arn),
    ]);
    const sg = new SecurityGroup(this, 'sg', {
      name,
      description: 'chatfleet Prometheus and Grafana',
      vpcId: p.vpcId,
      tags: { Name: name },
    });
    new VpcSecurityGroupEgressRule(this, 'egress', {
      securityGroupId: sg.id,
      cidrIpv4: '0.0.0.0/0',
      ipProtocol: '-1',
      description: 'scrapes, ECR, SSM',
    });
    // Grafana's port for admins, and for the NLB's health checks from its subnets.
    const grafanaFrom = (id: string, cidrs: string[], description: string) =>
      cidrs.forEach(
        (cidr, i) =>
          new VpcSecurityGroupIngressRule(this, `${id}-${i}`, {
            securityGroupId: sg.id,
            cidrIpv4: cidr,
            ipProtocol: 'tcp',
            fromPort: 3000,
            toPort: 3000,
            description,
          }),
      );
    grafanaFrom('grafana-admin', p.adminCidrs, 'Grafana for admins');
    grafanaFrom('grafana-health', p.healthCheckCidrs, 'load balancer health checks');
    const data = new EbsVolume(this, 'data', {
      availabilityZone: p.availabilityZone,
      size: 30,
      type: 'gp3',
      encrypted: true,
      tags: { Name: `${name}-data` },
    });
    const repoHost = registryHost(repo.repositoryUrl);
    // Behind TLS the browser must never send Grafana's session cookie over plain HTTP.
    const secureCookies = p.grafanaUrl.startsWith('https://')
      ? '-e GF_SECURITY_COOKIE_SECURE=true '
      : '';
    const script = `#!/bin/bash
set -euo pipefail
dnf install -y docker
systemctl enable --now docker
# The data volume is attached after the host starts: wait for it, format it only if blank.
for i in $(seq 120); do [ -e /dev/sdf ] && break; sleep 5; done
blkid /dev/sdf || mkfs.xfs /dev/sdf
mkdir -p /data
grep -q ' /data ' /etc/fstab || echo '/dev/sdf /data xfs defaults,nofail 0 2' >> /etc/fstab
mount /dev/sdf /data || mountpoint -q /data
mkdir -p /data/prometheus /data/grafana
chown 65534:65534 /data/prometheus
chown 472:0 /data/grafana
mkdir -p /etc/prometheus
echo ${ALERTS_B64} | base64 -d > /etc/prometheus/alerts.yml
echo ${prometheusConfigB64(p.region, p.env)} | base64 -d > /etc/prometheus/prometheus.yml
docker run -d --name prometheus --restart always --network host -v /etc/prometheus:/etc/prometheus -v /data/prometheus:/prometheus prom/prometheus:v2.55.1
# Grafana's admin password from its SecureString into a file only root and Grafana's user read;
# Grafana sets it when it creates its database (see docs/deploy.md to rotate it).
install -d -m 750 -o root -g 472 /etc/grafana-secrets
umask 077
aws ssm get-parameter --region ${p.region} --name ${passwordName} --with-decryption --query Parameter.Value --output text > /etc/grafana-secrets/admin-password
umask 022
chgrp 472 /etc/grafana-secrets/admin-password
chmod 440 /etc/grafana-secrets/admin-password
aws ecr get-login-password --region ${p.region} | docker login --username AWS --password-stdin ${repoHost}
docker run -d --name grafana --restart always --network host -v /data/grafana:/var/lib/grafana \\
  -v /etc/grafana-secrets/admin-password:/run/secrets/grafana-admin-password:ro \\
  -e GF_SECURITY_ADMIN_USER=admin -e GF_SECURITY_ADMIN_PASSWORD__FILE=/run/secrets/grafana-admin-password \\
  -e GF_AUTH_ANONYMOUS_ENABLED=false -e GF_USERS_ALLOW_SIGN_UP=false -e GF_SERVER_ROOT_URL=${p.grafanaUrl} \\
  ${secureCookies}${repo.repositoryUrl}:${p.imageTag}
`;
    // The image and the root volume come from a launch template, as for the fleets: an
    // aws_instance given the resolve:ssm alias as `ami` together with a root_block_device fails
    // at apply (the provider looks the alias up as an AMI id: InvalidAMIID.Malformed), while
    // EC2 resolves the alias itself when it launches from a template.
    const lt = new LaunchTemplate(this, 'lt', {
      name,
      imageId: AL2023,
      metadataOptions: {
        httpEndpoint: 'enabled',
        httpTokens: 'required',
        httpPutResponseHopLimit: 2,
      },
      blockDeviceMappings: [
        {
          deviceName: '/dev/xvda',
          ebs: {
            volumeSize: 30,
            volumeType: 'gp3',
            encrypted: 'true',
            deleteOnTermination: 'true',
          },
        },
      ],
      tags: { Name: name },
    });
    const host = new Instance(this, 'host', {
      launchTemplate: { id: lt.id, version: '$Latest' },
      instanceType: 't3.small',
      subnetId: p.subnetId,
      vpcSecurityGroupIds: [sg.id],
      iamInstanceProfile: access.profileName,
      associatePublicIpAddress: false,
      monitoring: true,
      metadataOptions: {
        httpEndpoint: 'enabled',
        httpTokens: 'required',
        httpPutResponseHopLimit: 2,
      },
      userDataBase64: Fn.base64encode(script),
      // A new setup must run: replace the host (its data is on the volume below).
      userDataReplaceOnChange: true,
      tags: { Name: name },
      // The AMI the alias resolved to reads back on the instance: a newer one must not
      // replace the host on every apply.
      lifecycle: { ignoreChanges: ['ami', 'launch_template'] },
    });
    new VolumeAttachment(this, 'data-attachment', {
      deviceName: '/dev/sdf',
      volumeId: data.id,
      instanceId: host.id,
    });
    new LbTargetGroupAttachment(this, 'grafana-target', {
      targetGroupArn: p.grafanaTargetGroupArn,
      targetId: host.id,
      port: 3000,
    });
    this.securityGroupId = sg.id;
    this.roleArn = access.roleArn;
    this.adminPasswordParameterName = passwordName;
    this.grafanaRepositoryUrl = repo.repositoryUrl;
  }
}
