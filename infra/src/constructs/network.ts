import { Construct } from 'constructs';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group/index.js';
import { Eip } from '@cdktf/provider-aws/lib/eip/index.js';
import { FlowLog } from '@cdktf/provider-aws/lib/flow-log/index.js';
import { InternetGateway } from '@cdktf/provider-aws/lib/internet-gateway/index.js';
import { NatGateway } from '@cdktf/provider-aws/lib/nat-gateway/index.js';
import { RouteTable } from '@cdktf/provider-aws/lib/route-table/index.js';
import { RouteTableAssociation } from '@cdktf/provider-aws/lib/route-table-association/index.js';
import { Subnet } from '@cdktf/provider-aws/lib/subnet/index.js';
import { Vpc } from '@cdktf/provider-aws/lib/vpc/index.js';
import { Fn } from '../cdktf.js';
import { serviceRole } from './host-role.js';

export interface NetworkProps {
  name: string;
  cidr: string;
  azs: readonly string[];
  natPerAz: boolean;
  flowLogs: boolean;
}

/** A VPC over three AZs: public subnets for the load balancer and NATs, private ones for everything else. */
export class Network extends Construct {
  readonly vpcId: string;
  readonly vpcCidr: string;
  readonly publicSubnetIds: string[];
  readonly publicSubnetCidrs: string[];
  readonly privateSubnetIds: string[];

  constructor(scope: Construct, id: string, p: NetworkProps) {
    super(scope, id);
    const vpc = new Vpc(this, 'vpc', {
      cidrBlock: p.cidr,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: { Name: p.name },
    });
    const igw = new InternetGateway(this, 'igw', { vpcId: vpc.id, tags: { Name: p.name } });
    const publicRt = new RouteTable(this, 'public-rt', {
      vpcId: vpc.id,
      route: [{ cidrBlock: '0.0.0.0/0', gatewayId: igw.id }],
      tags: { Name: `${p.name}-public` },
    });
    const publicSubnets = p.azs.map((az, i) => {
      const s = new Subnet(this, `public-${i}`, {
        vpcId: vpc.id,
        availabilityZone: az,
        cidrBlock: Fn.cidrsubnet(p.cidr, 4, i),
        // Nothing launched here gets a public address: the NLB and NATs bring their own.
        mapPublicIpOnLaunch: false,
        tags: { Name: `${p.name}-public-${az}`, tier: 'public' },
      });
      new RouteTableAssociation(this, `public-rta-${i}`, {
        subnetId: s.id,
        routeTableId: publicRt.id,
      });
      return s;
    });
    const nats = (p.natPerAz ? p.azs : p.azs.slice(0, 1)).map((az, i) => {
      const eip = new Eip(this, `nat-eip-${i}`, {
        domain: 'vpc',
        tags: { Name: `${p.name}-nat-${az}` },
      });
      return new NatGateway(this, `nat-${i}`, {
        allocationId: eip.id,
        subnetId: publicSubnets[i]!.id,
        tags: { Name: `${p.name}-${az}` },
        dependsOn: [igw],
      });
    });
    const privateSubnets = p.azs.map((az, i) => {
      const s = new Subnet(this, `private-${i}`, {
        vpcId: vpc.id,
        availabilityZone: az,
        cidrBlock: Fn.cidrsubnet(p.cidr, 4, 8 + i),
        mapPublicIpOnLaunch: false,
        tags: { Name: `${p.name}-private-${az}`, tier: 'private' },
      });
      const rt = new RouteTable(this, `private-rt-${i}`, {
        vpcId: vpc.id,
        route: [{ cidrBlock: '0.0.0.0/0', natGatewayId: (nats[i] ?? nats[0]!).id }],
        tags: { Name: `${p.name}-private-${az}` },
      });
      new RouteTableAssociation(this, `private-rta-${i}`, { subnetId: s.id, routeTableId: rt.id });
      return s;
    });
    if (p.flowLogs) this.addFlowLogs(p.name, vpc.id);
    this.vpcId = vpc.id;
    this.vpcCidr = p.cidr;
    this.publicSubnetIds = publicSubnets.map((s) => s.id);
    this.publicSubnetCidrs = publicSubnets.map((s) => s.cidrBlock);
    this.privateSubnetIds = privateSubnets.map((s) => s.id);
  }

  private addFlowLogs(name: string, vpcId: string): void {
    const group = new CloudwatchLogGroup(this, 'flow-logs', {
      name: `/chatfleet/${name}/vpc-flow-logs`,
      retentionInDays: 30,
    });
    const role = serviceRole(
      this,
      'flow-logs-role',
      `${name}-vpc-flow-logs`,
      'vpc-flow-logs.amazonaws.com',
      [
        {
          Effect: 'Allow',
          Action: [
            'logs:CreateLogStream',
            'logs:PutLogEvents',
            'logs:DescribeLogGroups',
            'logs:DescribeLogStreams',
          ],
          Resource: [group.arn, `${group.arn}:*`],
        },
      ],
    );
    new FlowLog(this, 'flow-log', {
      vpcId,
      trafficType: 'ALL',
      logDestination: group.arn,
      iamRoleArn: role.arn,
    });
  }
}
