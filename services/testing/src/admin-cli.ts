import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Fleet } from './fleet.js';
import { REPO_ROOT } from './service-process.js';

export interface AdminRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout as JSON (for --json runs). */
  json<T = unknown>(): T;
}

/** Runs the real chatfleet-admin command against a test fleet, as a moderator would. */
export function runAdmin(fleet: Fleet, args: string[], as = 'mod'): Promise<AdminRun> {
  const bin = join(REPO_ROOT, 'services', 'admin', 'dist', 'main.js');
  const env = {
    REDIS_URL: fleet.env['REDIS_URL'] ?? '',
    KEY_PREFIX: fleet.prefix,
    MODERATOR: as,
    ...(fleet.env['REDIS_CLUSTER'] ? { REDIS_CLUSTER: '1' } : {}),
  };
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [bin, ...args], { env });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => p.kill('SIGKILL'), 20_000);
    p.once('error', reject);
    p.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr, json: () => JSON.parse(stdout) });
    });
  });
}
