import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../index.js';

/** Starts a service's built entry with `env` and returns how it ended. */
function start(service: string, env: Record<string, string>) {
  const res = spawnSync(process.execPath, [join(REPO_ROOT, `services/${service}/dist/main.js`)], {
    env: { PATH: process.env['PATH'] ?? '', REDIS_URL: 'redis://127.0.0.1:1', ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { code: res.status, stderr: res.stderr.trim(), stdout: res.stdout.trim() };
}

describe('a bad setting', () => {
  it('stops each service at start with one line that names it, never a stack trace', () => {
    const cases: [string, Record<string, string>, RegExp][] = [
      ['tcp-gateway', { FLOOD_LIMIT: '1000001' }, /FLOOD_LIMIT must be an integer between/],
      ['ws-gateway', { WS_ALLOWED_ORIGINS: 'chat.example.com' }, /WS_ALLOWED_ORIGINS/],
      ['matchmaker', { MATCH_PER_ADDRESS: '0' }, /MATCH_PER_ADDRESS/],
      ['history-writer', { BATCH_SIZE: 'lots' }, /BATCH_SIZE/],
    ];
    for (const [service, env, want] of cases) {
      const r = start(service, env);
      assert.equal(r.code, 2, `${service}: ${r.stderr}`);
      assert.equal(r.stderr.split('\n').length, 1, `${service} printed:\n${r.stderr}`);
      assert.match(r.stderr, new RegExp(`^${service}: configuration error: `));
      assert.match(r.stderr, want);
    }
  });
});
