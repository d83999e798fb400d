import { Construct } from 'constructs';
import { Lb } from '@cdktf/provider-aws/lib/lb/index.js';
import { LbListener } from '@cdktf/provider-aws/lib/lb-listener/index.js';
import { LbTargetGroup } from '@cdktf/provider-aws/lib/lb-target-group/index.js';

export interface LoadBalancerProps {
  name: string;
  vpcId: string;
  publicSubnetIds: string[];
  certificateArn?: string;
  /** Grafana through the NLB, for admins only (the monitoring host has no public address). */
  grafana: boolean;
}

/**
 * One Network Load Balancer for every client: TCP 8888 → tcp-gateway, TLS 443 (or TCP 80
 * without a certificate) → ws-gateway. Long-lived connections: a short deregistration delay (no
 * new clients after 30 s) without connection termination, so the flows stay up until the host's
 * drain watcher stops the gateway and it says `bye shutdown` on each of them. The TCP listener's idle timeout is the
 * gateway's 30 min (the NLB default, 350 s, dropped quiet nc users silently); WebSockets are
 * pinged every ~30 s.
 */
export class LoadBalancer extends Construct {
  readonly dnsName: string;
  readonly tcpTargetGroupArn: string;
  readonly wsTargetGroupArn: string;
  readonly grafanaTargetGroupArn: string | undefined;
  readonly wsPort: number;
  readonly tls: boolean;

  constructor(scope: Construct, id: string, p: LoadBalancerProps) {
    super(scope, id);
    const lb = new Lb(this, 'nlb', {
      name: `${p.name}-nlb`,
      loadBalancerType: 'network',
      internal: false,
      subnets: p.publicSubnetIds,
      enableCrossZoneLoadBalancing: true,
      tags: { Name: `${p.name}-nlb` },
    });
    const group = (gid: string, port: number, healthPort: number) =>
      new LbTargetGroup(this, gid, {
        name: `${p.name}-${gid}`,
        port,
        protocol: 'TCP',
        vpcId: p.vpcId,
        targetType: 'instance',
        deregistrationDelay: '30',
        connectionTermination: false,
        preserveClientIp: 'true',
        healthCheck: {
          protocol: 'HTTP',
          port: String(healthPort),
          path: '/healthz',
          interval: 10,
          healthyThreshold: 2,
          unhealthyThreshold: 2,
        },
      });
    const tcp = group('tcp', 8888, 9101);
    const ws = group('ws', 8080, 8080);
    new LbListener(this, 'tcp-listener', {
      loadBalancerArn: lb.arn,
      port: 8888,
      protocol: 'TCP',
      // The tcp-gateway's own IDLE_TIMEOUT_MS (30 min); its TCP keepalive (60 s) also resets it.
      tcpIdleTimeoutSeconds: 1800,
      defaultAction: [{ type: 'forward', targetGroupArn: tcp.arn }],
    });
    this.tls = p.certificateArn !== undefined;
    this.wsPort = this.tls ? 443 : 80;
    // With a certificate, the NLB terminates TLS for the browser page and for Grafana alike.
    const tlsOrTcp = this.tls
      ? {
          protocol: 'TLS',
          certificateArn: p.certificateArn,
          sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
          alpnPolicy: 'HTTP1Only',
        }
      : { protocol: 'TCP' };
    new LbListener(this, 'ws-listener', {
      loadBalancerArn: lb.arn,
      port: this.wsPort,
      ...tlsOrTcp,
      defaultAction: [{ type: 'forward', targetGroupArn: ws.arn }],
    });
    if (p.grafana) {
      const g = group('grafana', 3000, 3000);
      new LbListener(this, 'grafana-listener', {
        loadBalancerArn: lb.arn,
        port: 3000,
        ...tlsOrTcp,
        defaultAction: [{ type: 'forward', targetGroupArn: g.arn }],
      });
      this.grafanaTargetGroupArn = g.arn;
    }
    this.dnsName = lb.dnsName;
    this.tcpTargetGroupArn = tcp.arn;
    this.wsTargetGroupArn = ws.arn;
  }
}
