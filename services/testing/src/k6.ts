import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './service-process.js';

/** The k6 version `make k6` pins: scripts/k6.sh is the one place it is written. */
function pinnedK6(): string {
  const script = readFileSync(join(REPO_ROOT, 'scripts', 'k6.sh'), 'utf8');
  const v = /^K6_VERSION=(\S+)$/m.exec(script)?.[1];
  if (!v) throw new Error('scripts/k6.sh does not pin K6_VERSION');
  return v;
}

/** The k6 make k6 builds (scripts/k6.sh), else K6, else a k6 on PATH; undefined if none. */
export function findK6(): string | undefined {
  const cache = process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache');
  const candidates = [
    process.env['K6'],
    join(process.env['CHATFLEET_CACHE'] ?? join(cache, 'chatfleet'), `k6-${pinnedK6()}`, 'k6'),
  ];
  for (const c of candidates) if (c && existsSync(c)) return c;
  const onPath = spawnSync('sh', ['-c', 'command -v k6'], { encoding: 'utf8' });
  return onPath.status === 0 ? onPath.stdout.trim() : undefined;
}

export interface K6Run {
  code: number | null;
  output: string;
}

/** Runs one script of loadtest/k6/ with the given environment; resolves when k6 exits. */
export function runK6(
  k6: string,
  script: string,
  env: Record<string, string>,
  args: string[] = [],
): Promise<K6Run> {
  return new Promise((resolve) => {
    const proc = spawn(k6, ['run', '--quiet', '--no-color', ...args, `loadtest/k6/${script}.ts`], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (d: Buffer) => (output = (output + d.toString()).slice(-20_000));
    proc.stdout.on('data', keep);
    proc.stderr.on('data', keep);
    proc.once('exit', (code) => resolve({ code, output }));
  });
}
