import type { Construct } from 'constructs';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js';
import { RandomProvider } from '@cdktf/provider-random/lib/provider/index.js';
import { LocalBackend, S3Backend, TerraformOutput, TerraformStack } from './cdktf.js';
import { LoadBalancer } from './constructs/load-balancer.js';
import { Monitoring } from './constructs/monitoring.js';
import { Network } from './constructs/network.js';
import { Redis } from './constructs/redis.js';
import { ServiceFleet } from './constructs/service-fleet.js';
import { SERVICES, SERVICE_PORTS, type EnvironmentConfig } from './environments.js';

/** One environment: network, Redis, the four fleets behind one NLB, optional monitoring. */
export class ChatfleetStack extends TerraformStack {
  readonly fleets: Record<string, ServiceFleet> = {};

  constructor(scope: Construct, id: string, c: EnvironmentConfig) {
    super(scope, id);
    new AwsProvider(this, 'aws', {
      region: c.region,
      defaultTags: [{ tags: { project: 'chatfleet', env: c.name, 'managed-by': 'cdktf' } }],
    });
    new RandomProvider(this, 'random');
    if (c.state) {
      new S3Backend(this, {
        bucket: c.state.bucket,
        key: c.state.key,
        region: c.state.region,
        encrypt: true,
        ...(c.state.lockTable ? { dynamodbTable: c.state.lockTable } : { useLockfile: true }),
      });
    } else {
      new LocalBackend(this, { path: `terraform.${c.name}.tfstate` });
    }
    const name = `chatfleet-${c.name}`;
    const net = new Network(this, 'network', {
      name,
      cidr: c.vpcCidr,
      azs: c.azs,
      natPerAz: c.natPerAz,
      flowLogs: c.flowLogs,
    });
    const redis = new Redis(this, 'redis', {
      name,
      region: c.region,
      vpcId: net.vpcId,
      subnetIds: net.privateSubnetIds,
      nodeType: c.redis.nodeType,
      nodesPerShard: c.redis.nodesPerShard,
      ...(c.redis.shards !== undefined ? { shards: c.redis.shards } : {}),
      snapshotRetentionDays: c.redis.snapshotRetentionDays,
    });
    const lb = new LoadBalancer(this, 'lb', {
      name,
      vpcId: net.vpcId,
      publicSubnetIds: net.publicSubnetIds,
      ...(c.certificateArn ? { certificateArn: c.certificateArn } : {}),
      grafana: c.monitoring,
    });
    const targetGroups: Record<string, string[]> = {
      'tcp-gateway': [lb.tcpTargetGroupArn],
      'ws-gateway': [lb.wsTargetGroupArn],
    };
    for (const service of SERVICES) {
      const ports = SERVICE_PORTS[service];
      const fleet = new ServiceFleet(this, service, {
        env: c.name,
        service,
        region: c.region,
        vpcId: net.vpcId,
        subnetIds: net.privateSubnetIds,
        size: c.fleets[service],
        imageTag: c.imageTag,
        metricsPort: ports.metrics,
        ...(ports.traffic !== undefined ? { trafficPort: ports.traffic } : {}),
        redisEndpoint: redis.endpoint,
        tokenParameterName: redis.tokenParameterName,
        tokenParameterArn: redis.tokenParameterArn,
        targetGroupArns: targetGroups[service] ?? [],
        serviceEnv: {
          SHUTDOWN_GRACE_MS: '10000',
          PARTITIONS: String(c.redis.partitions),
          ...(redis.cluster ? { REDIS_CLUSTER: '1' } : {}),
          ...(service.endsWith('gateway') ? { EVENTS_MAXLEN: String(c.redis.eventsMaxLen) } : {}),
          ...(service === 'ws-gateway' && c.domainName
            ? { WS_ALLOWED_ORIGINS: `https://${c.domainName}` }
            : {}),
        },
        // Gateways: 10 s of bye-and-drain plus margin; workers only finish a batch.
        drainSeconds: ports.traffic !== undefined ? 90 : 30,
      });
      redis.allowFrom(service, fleet.securityGroupId);
      this.fleets[service] = fleet;
    }
    // The NLB's health checks of the tcp-gateway hit /healthz on its metrics port, from the NLB's subnets.
    net.publicSubnetCidrs.forEach((cidr, i) =>
      this.fleets['tcp-gateway']?.allowMetricsFrom(
        `nlb-${i}`,
        { cidr },
        SERVICE_PORTS['tcp-gateway'].metrics,
      ),
    );
    const host = c.domainName ?? lb.dnsName;
    let grafanaUrl = 'monitoring is off';
    const fleetRoles = SERVICES.map((s) => this.fleets[s]?.roleArn ?? '');
    const hostRoles = [...fleetRoles];
    if (c.monitoring && lb.grafanaTargetGroupArn) {
      grafanaUrl = lb.tls ? `https://${host}:3000` : `http://${lb.dnsName}:3000`;
      const mon = new Monitoring(this, 'monitoring', {
        env: c.name,
        region: c.region,
        vpcId: net.vpcId,
        subnetId: net.privateSubnetIds[0] ?? '',
        availabilityZone: c.azs[0] ?? '',
        adminCidrs: c.adminCidrs,
        healthCheckCidrs: net.publicSubnetCidrs,
        grafanaTargetGroupArn: lb.grafanaTargetGroupArn,
        grafanaUrl,
        imageTag: c.imageTag,
      });
      hostRoles.push(mon.roleArn);
      for (const service of SERVICES)
        this.fleets[service]?.allowMetricsFrom(
          'monitoring',
          { securityGroupId: mon.securityGroupId },
          SERVICE_PORTS[service].metrics,
        );
      new TerraformOutput(this, 'grafana_repository', { value: mon.grafanaRepositoryUrl });
      new TerraformOutput(this, 'grafana_admin_password_parameter', {
        value: mon.adminPasswordParameterName,
        description: 'aws ssm get-parameter --with-decryption --name …: the password of user admin',
      });
    }
    // The four fleets decrypt the token; no other host of the environment can.
    redis.limitTokenTo(fleetRoles, hostRoles);
    new TerraformOutput(this, 'tcp_endpoint', {
      value: `${lb.dnsName}:8888`,
      description: 'nc HOST 8888',
    });
    new TerraformOutput(this, 'websocket_url', {
      value: lb.tls ? `wss://${host}/ws` : `ws://${lb.dnsName}/ws`,
    });
    new TerraformOutput(this, 'page_url', {
      value: lb.tls ? `https://${host}/` : `http://${lb.dnsName}/`,
    });
    new TerraformOutput(this, 'grafana_url', { value: grafanaUrl });
    new TerraformOutput(this, 'redis_endpoint', { value: `${redis.endpoint}:${redis.port}` });
    for (const service of SERVICES) {
      new TerraformOutput(this, `repository_${service.replace('-', '_')}`, {
        value: this.fleets[service]?.repositoryUrl ?? '',
      });
    }
  }
}
