import { Construct } from 'constructs';
import { IamInstanceProfile } from '@cdktf/provider-aws/lib/iam-instance-profile/index.js';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy/index.js';
import { Fn } from '../cdktf.js';

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: { AWS: string | string[] };
  Action: string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

/**
 * What the SSM agent needs for Session Manager shells and port forwarding, nothing more. The
 * managed AmazonSSMManagedInstanceCore also allows ssm:GetParameter* on every parameter, which
 * would let any host read the Redis token.
 */
export const SESSION_MANAGER: PolicyStatement = {
  Sid: 'SessionManager',
  Effect: 'Allow',
  Action: [
    'ssm:UpdateInstanceInformation',
    'ssmmessages:CreateControlChannel',
    'ssmmessages:CreateDataChannel',
    'ssmmessages:OpenControlChannel',
    'ssmmessages:OpenDataChannel',
  ],
  Resource: '*',
};

/** The registry host of an ECR repository URL: what `docker login` wants. */
export const registryHost = (repositoryUrl: string): string =>
  Fn.element(Fn.split('/', repositoryUrl), 0) as string;

/** Pulling one repository's images. */
export function ecrPull(repositoryArn: string): PolicyStatement[] {
  return [
    { Effect: 'Allow', Action: ['ecr:GetAuthorizationToken'], Resource: '*' },
    {
      Effect: 'Allow',
      Action: [
        'ecr:BatchGetImage',
        'ecr:GetDownloadUrlForLayer',
        'ecr:BatchCheckLayerAvailability',
      ],
      Resource: repositoryArn,
    },
  ];
}

/** A role that AWS service `service` may assume, with one inline policy of exactly these statements. */
export function serviceRole(
  scope: Construct,
  id: string,
  name: string,
  service: string,
  statements: PolicyStatement[],
): IamRole {
  const role = new IamRole(scope, id, {
    name,
    assumeRolePolicy: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }],
    }),
  });
  new IamRolePolicy(scope, `${id}-policy`, {
    role: role.id,
    policy: Fn.jsonencode({ Version: '2012-10-17', Statement: statements }),
  });
  return role;
}

/** An EC2 host's instance profile: its own statements plus Session Manager, instead of SSH keys. */
export class HostRole extends Construct {
  readonly roleArn: string;
  readonly profileArn: string;
  readonly profileName: string;

  constructor(scope: Construct, id: string, name: string, statements: PolicyStatement[]) {
    super(scope, id);
    const role = serviceRole(this, 'role', name, 'ec2.amazonaws.com', [
      ...statements,
      SESSION_MANAGER,
    ]);
    this.roleArn = role.arn;
    const profile = new IamInstanceProfile(this, 'profile', { name, role: role.name });
    this.profileArn = profile.arn;
    this.profileName = profile.name;
  }
}
