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
  startRedisCluster,
  waitUntil,
} from '../../services/testing/dist/index.js';

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

// Node.js servers run a full collection on SIGUSR2, for the idle-memory reading (idle.mjs).
// BENCH_NODE_OPTIONS adds options to them all (e.g. --cpu-prof, to profile a run).
const COLLECTABLE = {
  NODE_OPTIONS: [
    process.env.BENCH_NODE_OPTIONS ?? '',
    `--expose-gc --require ${join(REPO_ROOT, 'loadtest/bench/gc-on-signal.cjs')}`,
  ].join(' '),
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

/**
 * Two processes of one command, each on its own port, on one redis-server: what a contender
 * reports about them. `args(port, redisUrl)` gives each its command line; `url(port)` is where
 * clients go.
 */
async function pair(cmd, args, url) {
  const redis = await startRedis();
  const ports = [await freePort(), await freePort()];
  const procs = ports.map((port) =>
    spawn(cmd, args(port, redis.url), {
      env: {
        ...process.env,
        ...(cmd === process.execPath ? COLLECTABLE : {}),
        PORT: String(port),
        REDIS_URL: redis.url,
      },
      stdio: 'ignore',
    }),
  );
  await Promise.all(ports.map(listening));
  return {
    urls: ports.map(url),
    servers: procs.map((p) => p.pid),
    helpers: [],
    collectsOnSignal: cmd === process.execPath,
    redisUrl: redis.url,
    async stop() {
      for (const p of procs) p.kill('SIGKILL');
      await redis.destroy();
    },
  };
}

/** A baseline script under loadtest/baselines/, run by Node. */
const node = (script) => () => [join(REPO_ROOT, 'loadtest/baselines', script)];

/**
 * chatfleet with two gateways of one kind, the matchmaker and the history-writer; with
 * `cluster`, on a local Redis Cluster of 3 primaries (and a replica each) instead of one Redis.
 */
async function chatfleet(kind, env = {}, cluster = false) {
  const ws = kind === 'ws';
  const redisCluster = cluster ? await startRedisCluster() : undefined;
  const fleet = await startFleet({
    gateways: ws ? 0 : 2,
    wsGateways: ws ? 2 : 0,
    ...(redisCluster ? { cluster: redisCluster } : {}),
    env: { ...LOOSE, ...COLLECTABLE, ...env },
  });
  const primaries = redisCluster
    ? (await redisCluster.nodes())
        .filter((n) => n.primary && !n.failed)
        .map((n) => `redis://127.0.0.1:${n.port}`)
    : undefined;
  const gateways = ws ? fleet.wsGateways : fleet.gateways;
  // In this order, always: the tables print their CPU as `matchmaker + history-writer`.
  const helpers = ['matchmaker', 'history-writer'].map((n) =>
    fleet.services.find((s) => s.name === n),
  );
  return {
    urls: gateways.map((g) =>
      ws ? `ws://127.0.0.1:${g.wsPort}/ws` : `tcp://127.0.0.1:${g.tcpPort}`,
    ),
    servers: gateways.map((g) => g.proc.pid),
    helpers: helpers.map((s) => s.proc.pid),
    collectsOnSignal: true,
    redisUrl: fleet.redis.url,
    ...(primaries ? { redisUrls: primaries } : {}),
    async stop() {
      await fleet.stop();
      await redisCluster?.destroy();
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
  chatfleet: async () => ({
    label: 'chatfleet (2 ws-gateways + matchmaker + history-writer)',
    protocol: 'json',
    ...(await chatfleet('ws')),
  }),
  'chatfleet-cluster': async () => ({
    label: 'chatfleet on a 3-primary Redis Cluster (2 ws-gateways + matchmaker + history-writer)',
    protocol: 'json',
    ...(await chatfleet('ws', {}, true)),
  }),
  'chatfleet-tcp': async () => ({
    label: 'chatfleet over TCP (2 tcp-gateways + matchmaker + history-writer)',
    protocol: 'ndjson',
    ...(await chatfleet('tcp')),
  }),
  /** Memory only: the same gateways with OPTIMIZE_FOR_SIZE (V8's --optimize-for-size). */
  'chatfleet-small': async () => ({
    label: 'chatfleet, OPTIMIZE_FOR_SIZE (memory only)',
    protocol: 'json',
    idleOnly: true,
    ...(await chatfleet('ws', { OPTIMIZE_FOR_SIZE: 'true' })),
  }),
  'chatfleet-tcp-small': async () => ({
    label: 'chatfleet over TCP, OPTIMIZE_FOR_SIZE (memory only)',
    protocol: 'ndjson',
    idleOnly: true,
    ...(await chatfleet('tcp', { OPTIMIZE_FOR_SIZE: 'true' })),
  }),
  /** Memory per TCP connection only: a bare `net` server with a line splitter. */
  'net-lines': async () => ({
    label: 'bare Node.js net server with a line splitter (memory only)',
    protocol: 'ndjson',
    idleOnly: true,
    ...(await pair(process.execPath, node('net-lines.mjs'), (p) => `tcp://127.0.0.1:${p}`)),
  }),
  floor: async () => ({
    label: 'floor: bare uWebSockets.js + Redis Pub/Sub',
    protocol: 'json',
    ...(await pair(process.execPath, node('floor.mjs'), (p) => `ws://127.0.0.1:${p}/`)),
  }),
  socketio: async () => ({
    label: 'Socket.IO 4.8 + @socket.io/redis-adapter',
    protocol: 'socketio',
    ...(await pair(process.execPath, node('socketio-server.mjs'), (p) => `http://127.0.0.1:${p}`)),
  }),
  async centrifugo() {
    const bin = findCentrifugo();
    if (!bin) return undefined;
    const dir = join(REPO_ROOT, '.tmp', 'bench-centrifugo');
    mkdirSync(dir, { recursive: true });
    const config = (port, redisUrl) => {
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
      return ['--config', file];
    };
    return {
      label: 'Centrifugo v6, Redis engine, 500-message history with recovery',
      protocol: 'centrifugo',
      ...(await pair(bin, config, (p) => `ws://127.0.0.1:${p}/connection/websocket`)),
    };
  },
};
