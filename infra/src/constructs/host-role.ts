import { Construct } from 'constructs';
import { IamInstanceProfile } from '@cdktf/provider-aws/lib/iam-instance-profile/index.js';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy/index.js';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment/index.js';
import { Fn } from '../cdktf.js';

export interface PolicyStatement {
  Effect: 'Allow';
  Action: string[];
  Resource: string | string[];
}

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
  readonly profileArn: string;
  readonly profileName: string;

  constructor(scope: Construct, id: string, name: string, statements: PolicyStatement[]) {
    super(scope, id);
    const role = serviceRole(this, 'role', name, 'ec2.amazonaws.com', statements);
    new IamRolePolicyAttachment(this, 'ssm-core', {
      role: role.name,
      policyArn: 'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore',
    });
    const profile = new IamInstanceProfile(this, 'profile', { name, role: role.name });
    this.profileArn = profile.arn;
    this.profileName = profile.name;
  }
}
