import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function run(cmd: string, env: Record<string, string>): { code: number | null; err: string } {
  const res = spawnSync('bash', ['scripts/infra.sh', cmd], {
    cwd: ROOT,
    env: { HOME: tmpdir(), ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: res.status, err: res.stderr };
}

/** A directory holding fake commands, first on the PATH. */
function fakeBin(scripts: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'chatfleet-bin-'));
  for (const [name, body] of Object.entries(scripts)) {
    writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  }
  return dir;
}

describe('make plan / deploy fail early with a clear message', () => {
  const basePath = '/usr/local/bin:/usr/bin:/bin';

  it('names the missing Terraform', () => {
    const r = run('deploy', { PATH: basePath, TF: '/nonexistent/tofu' });
    assert.equal(r.code, 1);
    assert.match(r.err, /TF=\/nonexistent\/tofu is not an executable Terraform or OpenTofu/);
  });

  it('refuses a Terraform or OpenTofu older than 1.10, which cannot lock S3 state with use_lockfile', () => {
    const version = (v: string) =>
      `if [ "$1" = version ]; then printf '{\\n  "terraform_version": "${v}",\\n  "platform": "linux_amd64"\\n}\\n'; fi`;
    const old = fakeBin({ tofu: version('1.6.2') });
    const r = run('plan', { PATH: `${old}:/bin`, TF: 'tofu' });
    assert.equal(r.code, 1);
    assert.match(r.err, /tofu is version 1\.6\.2: Terraform or OpenTofu >= 1\.10 is needed/);
    // 1.10 and later pass on to the next check.
    for (const v of ['1.10.0', '1.11.4']) {
      const ok = fakeBin({ tofu: version(v) });
      assert.match(
        run('plan', { PATH: `${ok}:/bin`, TF: 'tofu' }).err,
        /the aws CLI is missing/,
        v,
      );
    }
  });

  it('names the missing AWS CLI, then missing credentials', () => {
    const noAws = fakeBin({ tofu: 'exit 0' });
    assert.match(run('plan', { PATH: `${noAws}:/bin`, TF: 'tofu' }).err, /the aws CLI is missing/);
    const badCreds = fakeBin({ tofu: 'exit 0', aws: 'exit 255' });
    const r = run('plan', { PATH: `${badCreds}:${basePath}`, TF: 'tofu' });
    assert.equal(r.code, 1);
    assert.match(r.err, /no working AWS credentials: run 'aws configure'/);
  });

  it('names a missing Docker engine before it builds anything', () => {
    const bin = fakeBin({ tofu: 'exit 0', aws: 'exit 0', docker: 'exit 1' });
    const r = run('deploy', { PATH: `${bin}:${basePath}`, TF: 'tofu' });
    assert.equal(r.code, 1);
    assert.match(r.err, /no Docker engine answers/);
  });

  it('builds every image for the x86_64 hosts, whatever machine deploys', () => {
    const log = join(mkdtempSync(join(tmpdir(), 'chatfleet-log-')), 'docker.log');
    const bin = fakeBin({
      // Outputs name a repository per service; every other call succeeds.
      tofu: 'if [ "$1" = output ] && [ "$2" = -raw ]; then echo "1.dkr.ecr.eu-west-1.amazonaws.com/$3"; fi',
      aws: 'exit 0',
      docker: `echo "$*" >> ${log}`,
      git: 'echo abc1234',
    });
    const r = run('deploy', { PATH: `${bin}:${basePath}`, TF: 'tofu', CHATFLEET_BUILT: '1' });
    assert.equal(r.code, 0, r.err);
    const builds = readFileSync(log, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('build '));
    assert.equal(builds.length, 5);
    for (const b of builds)
      assert.match(b, /^build --platform linux\/amd64 --build-arg GIT_SHA=[0-9a-f]+ --target /);
  });
});
