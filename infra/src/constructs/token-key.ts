import { Construct } from 'constructs';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias/index.js';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key/index.js';
import { KmsKeyPolicy } from '@cdktf/provider-aws/lib/kms-key-policy/index.js';
import { Fn } from '../cdktf.js';
import type { PolicyStatement } from './host-role.js';

export interface TokenReaders {
  region: string;
  /** The one parameter the key protects (SSM puts its ARN in the encryption context). */
  parameterArn: string;
  /** Roles that may decrypt the parameter: the four service fleets. */
  readers: string[];
  /** Every host role of the environment: none of them may use the key as "the account". */
  hosts: string[];
}

// Managing the key, not using it: without this the key could never be changed or deleted.
const ADMIN_ACTIONS = [
  'kms:Create*',
  'kms:Describe*',
  'kms:Enable*',
  'kms:List*',
  'kms:Put*',
  'kms:Update*',
  'kms:Revoke*',
  'kms:Disable*',
  'kms:Get*',
  'kms:Delete*',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
];

/** The key policy: the account manages the key, the deployer writes the token through SSM, the readers decrypt it. */
export function tokenKeyPolicy(account: string, p: TokenReaders): PolicyStatement[] {
  const root = `arn:aws:iam::${account}:root`;
  const viaSsm = `ssm.${p.region}.amazonaws.com`;
  return [
    {
      Sid: 'AdministerKey',
      Effect: 'Allow',
      Principal: { AWS: root },
      Action: ADMIN_ACTIONS,
      Resource: '*',
    },
    {
      // Terraform writes the parameter and reads it back; hosts are excluded by ARN.
      Sid: 'DeployerThroughSsm',
      Effect: 'Allow',
      Principal: { AWS: root },
      Action: [
        'kms:Encrypt',
        'kms:Decrypt',
        'kms:ReEncrypt*',
        'kms:GenerateDataKey*',
        'kms:DescribeKey',
      ],
      Resource: '*',
      Condition: {
        StringEquals: { 'kms:ViaService': viaSsm, 'kms:CallerAccount': account },
        ArnNotEquals: { 'aws:PrincipalArn': p.hosts },
      },
    },
    {
      Sid: 'FleetReadsToken',
      Effect: 'Allow',
      Principal: { AWS: p.readers },
      Action: ['kms:Decrypt'],
      Resource: '*',
      Condition: {
        StringEquals: {
          'kms:ViaService': viaSsm,
          'kms:EncryptionContext:PARAMETER_ARN': p.parameterArn,
        },
      },
    },
  ];
}

/**
 * A customer-managed key for the Redis token: unlike the default aws/ssm key, its policy names
 * who may decrypt, so a host role that could read the parameter still could not decrypt it.
 */
export class TokenKey extends Construct {
  readonly arn: string;
  private readonly keyId: string;

  constructor(scope: Construct, id: string, name: string) {
    super(scope, id);
    const key = new KmsKey(this, 'key', {
      description: `chatfleet ${name}: the Redis auth token parameter`,
      enableKeyRotation: true,
      deletionWindowInDays: 7,
    });
    new KmsAlias(this, 'alias', { name: `alias/${name}-redis-token`, targetKeyId: key.keyId });
    this.arn = key.arn;
    this.keyId = key.keyId;
  }

  /** Sets the key policy once every reader role exists. */
  allow(p: TokenReaders): void {
    // The account id from the key's own ARN: no data source, so an offline plan calls no AWS API.
    const account = Fn.element(Fn.split(':', this.arn), 4) as string;
    new KmsKeyPolicy(this, 'policy', {
      keyId: this.keyId,
      policy: Fn.jsonencode({ Version: '2012-10-17', Statement: tokenKeyPolicy(account, p) }),
    });
  }
}
