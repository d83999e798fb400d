import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cluster, Redis } from 'ioredis';
import { createLogger, createRedis, createRedisCluster } from '@chatfleet/runtime';
import { freePort, waitUntil } from './ports.js';

export interface TestRedis {
  port: number;
  url: string;
  /** Its data directory (dump.rdb, the AOF). */
  dir: string;
  /** Stops the server (SIGKILL when hard), keeping its data directory. */
  stop(hard?: boolean): Promise<void>;
  /** Starts it again on the same port and data directory. */
  start(): Promise<void>;
  /** Whether its process is up. */
  running(): boolean;
  /** SIGSTOP: it answers nobody, replicates nothing, until `thaw`. */
  freeze(): void;
  thaw(): void;
  /** Stops it and removes its data. */
  destroy(): Promise<void>;
}

const ping = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = createConnection({ port, host: '127.0.0.1' }, () => s.write('PING\r\n'));
    s.once('data', (d) => {
      s.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
    s.once('error', () => resolve(false));
  });

/** A real redis-server on a free port, never 6379, with its own data directory. */
export async function startRedis(
  opts: { appendonly?: boolean; args?: string[]; port?: number } = {},
): Promise<TestRedis> {
  const port = opts.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'chatfleet-redis-'));
  let proc: ChildProcess | undefined;
  const start = async () => {
    proc = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        opts.appendonly ? 'yes' : 'no',
        '--daemonize',
        'no',
        ...(opts.args ?? []),
      ],
      { stdio: 'ignore' },
    );
    proc.once('error', () => undefined);
    await waitUntil(() => ping(port), 10_000, `redis-server on port ${port}`);
  };
  const stop = async (hard = false) => {
    const p = proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill(hard ? 'SIGKILL' : 'SIGTERM');
    await exited;
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    stop,
    start,
    running: () => proc !== undefined && proc.exitCode === null && proc.signalCode === null,
    freeze: () => void proc?.kill('SIGSTOP'),
    thaw: () => void proc?.kill('SIGCONT'),
    async destroy() {
      await stop(true);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// A command connection as the services make one, quiet, for a test to look inside Redis.
const testClient = (url: string) =>
  ({ url, role: 'commands', name: 'test', logger: createLogger('test', 'silent') }) as const;

/** A connected command client for a test to look inside Redis. */
export async function redisClient(url: string): Promise<Redis> {
  const c = createRedis(testClient(url));
  await c.connect();
  return c;
}

/** A connected Redis Cluster command client (seed URLs comma-separated) for a test. */
export async function clusterClient(url: string): Promise<Cluster> {
  const c = createRedisCluster(testClient(url));
  await c.connect();
  return c;
}
