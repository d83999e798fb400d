import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tokenKeyPolicy } from './token-key.js';

describe('the Redis token key policy', () => {
  const fleets = ['tcp-gateway', 'ws-gateway', 'matchmaker', 'history-writer'].map(
    (s) => `arn:aws:iam::123456789012:role/dev-${s}-host`,
  );
  const monitoring = 'arn:aws:iam::123456789012:role/dev-monitoring';
  const param =
    'arn:aws:ssm:eu-west-1:123456789012:parameter/chatfleet/chatfleet-dev/redis-auth-token';
  const statements = tokenKeyPolicy('123456789012', {
    region: 'eu-west-1',
    parameterArn: param,
    readers: fleets,
    hosts: [...fleets, monitoring],
  });
  const bySid = new Map(statements.map((s) => [s.Sid, s]));
  const uses = (s: (typeof statements)[number]) =>
    s.Action.some((a) => /^kms:(Decrypt|Encrypt|ReEncrypt|GenerateDataKey)/.test(a));

  it('lets the account manage the key but not decrypt with it', () => {
    const admin = bySid.get('AdministerKey');
    assert.deepEqual(admin?.Principal, { AWS: 'arn:aws:iam::123456789012:root' });
    assert.equal(uses(admin!), false);
    assert.ok(admin?.Action.includes('kms:Put*'), 'the key policy can still be changed');
  });

  it('lets the four fleet roles decrypt the one parameter, through SSM only', () => {
    const read = bySid.get('FleetReadsToken');
    assert.deepEqual(read?.Principal, { AWS: fleets });
    assert.deepEqual(read?.Action, ['kms:Decrypt']);
    assert.deepEqual(read?.Condition?.['StringEquals'], {
      'kms:ViaService': 'ssm.eu-west-1.amazonaws.com',
      'kms:EncryptionContext:PARAMETER_ARN': param,
    });
  });

  it('lets the deployer write and read the token through SSM, but no host role of the environment', () => {
    const deployer = bySid.get('DeployerThroughSsm');
    assert.equal(
      deployer?.Condition?.['StringEquals']?.['kms:ViaService'],
      'ssm.eu-west-1.amazonaws.com',
    );
    assert.deepEqual(deployer?.Condition?.['ArnNotEquals'], {
      'aws:PrincipalArn': [...fleets, monitoring],
    });
  });

  it('gives use of the key to nobody else', () => {
    for (const s of statements.filter(uses)) {
      assert.ok(['FleetReadsToken', 'DeployerThroughSsm'].includes(s.Sid ?? ''), s.Sid);
      assert.ok(s.Condition?.['StringEquals']?.['kms:ViaService'], `${s.Sid} only through SSM`);
    }
    assert.ok(!JSON.stringify(statements).includes(monitoring.replace('monitoring', 'x')));
  });
});
