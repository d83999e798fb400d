// Each contender as two server processes on one fresh redis-server, started the same way and
// measured from outside: chatfleet (two ws-gateways, with its matchmaker and history-writer),
// the floor (bare uWebSockets.js + Redis Pub/Sub), Socket.IO with its Redis adapter, and
// Centrifugo v6 with the Redis engine and a 500-message history with recovery.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import {
  REPO_ROOT,
  freePort,
  startFleet,
  startRedis,
  waitUntil,
} from '../../services/common/dist/testing/index.js';

// Per-connection limits are lifted: the bench measures throughput, not the abuse guards.
const LOOSE = {
  RATE_PER_SEC: '100000',
  RATE_BURST: '100000',
  FLOOD_LIMIT: '1000000',
  MAX_CONNECTIONS_PER_IP: '100000',
  MAX_CONNECTS_PER_SEC: '1000000',
  MAX_BACKLOG_BYTES: '67108864',
  LOG_LEVEL: 'warn',
  IDLE_TIMEOUT_MS: '0',
};

const listening = (port) =>
  waitUntil(
    () =>
      new Promise((r) =>
        createConnection({ port, host: '127.0.0.1' })
          .on('connect', function () {
            this.destroy();
            r(true);
          })
          .on('error', () => r(false)),
      ),
    15_000,
    `a server on ${port}`,
  );

/** Two processes of one command, each on its own port, on one redis-server. */
async function pair(cmd, args, env) {
  const redis = await startRedis();
  const ports = [await freePort(), await freePort()];
  const procs = ports.map((port) =>
    spawn(cmd, typeof args === 'function' ? args(port) : args, {
      env: { ...process.env, PORT: String(port), REDIS_URL: redis.url, ...env },
      stdio: 'ignore',
    }),
  );
  await Promise.all(ports.map(listening));
  return {
    ports,
    pids: procs.map((p) => p.pid),
    redis,
    async stop() {
      for (const p of procs) p.kill('SIGKILL');
      await redis.destroy();
    },
  };
}

/** A Centrifugo binary: CENTRIFUGO_BIN, `centrifugo` on PATH, or our machines' copy. */
export function findCentrifugo() {
  if (process.env.CENTRIFUGO_BIN) return process.env.CENTRIFUGO_BIN;
  const onPath = spawnSync('sh', ['-c', 'command -v centrifugo'], { encoding: 'utf8' });
  if (onPath.status === 0) return onPath.stdout.trim();
  const gz = join(REPO_ROOT, '..', 'shared', 'tools', 'centrifugo-v6-linux-amd64.gz');
  if (!existsSync(gz)) return undefined;
  const bin = join(REPO_ROOT, '.tmp', 'centrifugo');
  if (!existsSync(bin)) {
    mkdirSync(join(REPO_ROOT, '.tmp'), { recursive: true });
    const out = spawnSync('sh', ['-c', `gunzip -c '${gz}' > '${bin}' && chmod +x '${bin}'`]);
    if (out.status !== 0) return undefined;
  }
  return bin;
}

export const CONTENDERS = {
  async chatfleet() {
    const fleet = await startFleet({ gateways: 0, wsGateways: 2, env: LOOSE });
    const byName = (n) => fleet.services.filter((s) => s.name === n);
    return {
      label: 'chatfleet (2 ws-gateways + matchmaker + history-writer)',
      protocol: 'json',
      urls: fleet.wsGateways.map((g) => `ws://127.0.0.1:${g.wsPort}/ws`),
      servers: fleet.wsGateways.map((g) => g.proc.pid),
      helpers: [...byName('matchmaker'), ...byName('history-writer')].map((s) => s.proc.pid),
      redisUrl: fleet.redis.url,
      stop: () => fleet.stop(),
    };
  },
  async 'chatfleet-tcp'() {
    const fleet = await startFleet({ gateways: 2, wsGateways: 0, env: LOOSE });
    const byName = (n) => fleet.services.filter((s) => s.name === n);
    return {
      label: 'chatfleet over TCP (2 tcp-gateways + matchmaker + history-writer)',
      protocol: 'ndjson',
      urls: fleet.gateways.map((g) => `tcp://127.0.0.1:${g.tcpPort}`),
      servers: fleet.gateways.map((g) => g.proc.pid),
      helpers: [...byName('matchmaker'), ...byName('history-writer')].map((s) => s.proc.pid),
      redisUrl: fleet.redis.url,
      stop: () => fleet.stop(),
    };
  },
  /** Memory per TCP connection only: a bare `net` server with a line splitter. */
  async 'net-lines'() {
    const p = await pair(process.execPath, [join(REPO_ROOT, 'loadtest/baselines/net-lines.mjs')]);
    return {
      label: 'bare Node.js net server with a line splitter (memory only)',
      protocol: 'ndjson',
      idleOnly: true,
      urls: p.ports.map((port) => `tcp://127.0.0.1:${port}`),
      servers: p.pids,
      helpers: [],
      redisUrl: p.redis.url,
      stop: p.stop,
    };
  },
  async floor() {
    const p = await pair(process.execPath, [join(REPO_ROOT, 'loadtest/baselines/floor.mjs')]);
    return {
      label: 'floor: bare uWebSockets.js + Redis Pub/Sub',
      protocol: 'json',
      urls: p.ports.map((port) => `ws://127.0.0.1:${port}/`),
      servers: p.pids,
      helpers: [],
      redisUrl: p.redis.url,
      stop: p.stop,
    };
  },
  async socketio() {
    const script = join(REPO_ROOT, 'loadtest/baselines/socketio-server.mjs');
    const p = await pair(process.execPath, [script]);
    return {
      label: 'Socket.IO 4.8 + @socket.io/redis-adapter',
      protocol: 'socketio',
      urls: p.ports.map((port) => `http://127.0.0.1:${port}`),
      servers: p.pids,
      helpers: [],
      redisUrl: p.redis.url,
      stop: p.stop,
    };
  },
  async centrifugo() {
    const bin = findCentrifugo();
    if (!bin) return undefined;
    const dir = join(REPO_ROOT, '.tmp', 'bench-centrifugo');
    mkdirSync(dir, { recursive: true });
    const config = (redisUrl, port) => {
      const file = join(dir, `config-${port}.json`);
      writeFileSync(
        file,
        JSON.stringify({
          client: { insecure: true, allowed_origins: ['*'] },
          engine: { type: 'redis', redis: { address: [redisUrl] } },
          http_server: { port },
          log: { level: 'error' },
          channel: {
            without_namespace: { history_size: 500, history_ttl: '300s', force_recovery: true },
          },
        }),
      );
      return file;
    };
    const redis = await startRedis();
    const ports = [await freePort(), await freePort()];
    const procs = ports.map((port) =>
      spawn(bin, ['--config', config(redis.url, port)], { stdio: 'ignore' }),
    );
    await Promise.all(ports.map(listening));
    return {
      label: 'Centrifugo v6, Redis engine, 500-message history with recovery',
      protocol: 'centrifugo',
      urls: ports.map((port) => `ws://127.0.0.1:${port}/connection/websocket`),
      servers: procs.map((p) => p.pid),
      helpers: [],
      redisUrl: redis.url,
      async stop() {
        for (const p of procs) p.kill('SIGKILL');
        await redis.destroy();
      },
    };
  },
};
