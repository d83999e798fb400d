// `make bench`: a real fleet on this machine (one tcp-gateway, one ws-gateway, matchmaker,
// history-writer, a redis-server), measured from outside with lean clients in this process.
//   1. memory per idle connection on each gateway (RSS from /metrics);
//   2. room fan-out: ROOMS rooms of MEMBERS members, half over TCP and half over WebSocket,
//      one sender per room at RATE msg/s for SECONDS s: deliveries per second and the
//      end-to-end latency from send to receipt (p50, p95, p99, max), and the CPU time both
//      gateways spent per delivered copy.
// BENCH_TARGET=socketio runs the same fan-out against loadtest/socketio-server.mjs (Socket.IO with
// its Redis adapter) for reference; BENCH_TRANSPORT=ws|tcp|mixed picks chatfleet's clients.
// Bounded in count and time; traffic goes to 127.0.0.1 only. Prints a JSON summary.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { cpus, totalmem } from 'node:os';
import WebSocket from 'ws';
import { io as sioConnect } from 'socket.io-client';
import {
  freePort,
  readMetric,
  startFleet,
  startRedis,
  waitUntil,
} from '../services/common/dist/testing/index.js';

const ROOMS = Number(process.env.BENCH_ROOMS ?? 50);
const MEMBERS = Number(process.env.BENCH_MEMBERS ?? 20);
const RATE = Number(process.env.BENCH_RATE ?? 10);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const IDLE = Number(process.env.BENCH_IDLE ?? 2000);
const TARGET = process.env.BENCH_TARGET ?? 'chatfleet';
const TRANSPORT = process.env.BENCH_TRANSPORT ?? 'mixed';

const loose = {
  RATE_PER_SEC: '100000',
  RATE_BURST: '100000',
  FLOOD_LIMIT: '1000000',
  MAX_CONNECTIONS_PER_IP: '100000',
  LOG_LEVEL: 'warn',
  IDLE_TIMEOUT_MS: '0',
};
const sio = TARGET === 'socketio' ? await startSocketIo() : undefined;
const fleet = sio ? undefined : await startFleet({ gateways: 1, wsGateways: 1, env: loose });
const tcp = fleet?.gateways[0];
const ws = fleet?.wsGateways[0];

async function startSocketIo() {
  const redis = await startRedis();
  const port = await freePort();
  const proc = spawn(process.execPath, ['loadtest/socketio-server.mjs'], {
    env: { ...process.env, PORT: String(port), REDIS_URL: redis.url },
    stdio: 'ignore',
  });
  await waitUntil(
    () =>
      new Promise((r) =>
        createConnection({ port, host: '127.0.0.1' })
          .on('connect', function () {
            this.destroy();
            r(true);
          })
          .on('error', () => r(false)),
      ),
    10_000,
    'socket.io server',
  );
  return {
    port,
    proc,
    redis,
    rss: () =>
      Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${proc.pid}/status`, 'utf8'))?.[1] ?? 0) *
      1024,
  };
}

function sioClient(nick, onMessage, i) {
  return new Promise((resolve, reject) => {
    const s = sioConnect(`http://127.0.0.1:${sio.port}`, {
      transports: ['websocket'],
      localAddress: addr(i),
      reconnection: false,
    });
    s.on('message', (m) => onMessage(`"text":"${m.text}"`));
    s.on('connect_error', reject);
    s.on('connect', () =>
      s.emit('hello', nick, () =>
        resolve({
          send: (f) =>
            f.type === 'join'
              ? s.emit('join', f.room)
              : s.emit('say', { room: f.room, text: f.text }),
          close: () => s.disconnect(),
        }),
      ),
    );
  });
}

const clientFor = (i) =>
  sio
    ? sioClient
    : TRANSPORT === 'ws'
      ? wsClient
      : TRANSPORT === 'tcp'
        ? tcpClient
        : i % 2 === 0
          ? tcpClient
          : wsClient;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rss = async (svc) => readMetric(svc.metricsPort, 'chat_process_resident_memory_bytes');
const cpuSeconds = async (svc) => readMetric(svc.metricsPort, 'chat_process_cpu_seconds_total');
const addr = (i) => `127.0.${1 + Math.floor(i / 20000)}.${1 + (i % 200)}`;

/** A client that only counts and times message frames. */
function tcpClient(nick, onMessage, i) {
  return new Promise((resolve, reject) => {
    const s = createConnection({ port: tcp.tcpPort, host: '127.0.0.1', localAddress: addr(i) });
    let buf = '';
    let welcomed = false;
    const c = { send: (f) => s.write(`${JSON.stringify(f)}\n`), close: () => s.destroy() };
    s.on('data', (d) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (!welcomed && line.includes('"welcome"')) {
          welcomed = true;
          resolve(c);
        } else if (line.startsWith('{"type":"message"')) onMessage(line);
      }
    });
    s.on('error', reject);
    s.on('connect', () => c.send({ type: 'hello', nick }));
  });
}

function wsClient(nick, onMessage, i) {
  return new Promise((resolve, reject) => {
    const w = new WebSocket(`ws://127.0.0.1:${ws.wsPort}/ws`, {
      localAddress: addr(i),
      perMessageDeflate: false,
    });
    let welcomed = false;
    const c = { send: (f) => w.send(JSON.stringify(f)), close: () => w.terminate() };
    w.on('message', (d) => {
      const line = d.toString();
      if (!welcomed && line.includes('"welcome"')) {
        welcomed = true;
        resolve(c);
      } else if (line.startsWith('{"type":"message"')) onMessage(line);
    });
    w.on('error', reject);
    w.on('open', () => c.send({ type: 'hello', nick }));
  });
}

async function inBatches(n, size, make) {
  const out = [];
  for (let i = 0; i < n; i += size)
    out.push(
      ...(await Promise.all(Array.from({ length: Math.min(size, n - i) }, (_, k) => make(i + k)))),
    );
  return out;
}

const result = {
  target: sio ? 'socket.io 4.8.4 + @socket.io/redis-adapter' : `chatfleet (${TRANSPORT} clients)`,
  machine: {
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    date: new Date().toISOString(),
  },
  idle: {},
  fanout: {},
};
try {
  // 1. Idle connections.
  if (sio) {
    const before = sio.rss();
    const idle = await inBatches(IDLE, 200, (i) => sioClient(`idle${i}`, () => {}, i));
    await sleep(2000);
    result.idle = {
      connections: IDLE,
      bytesPerConnection: Math.round((sio.rss() - before) / IDLE),
      rssMiB: +(sio.rss() / 2 ** 20).toFixed(1),
    };
    for (const c of idle) c.close();
  } else {
    const before = { tcp: await rss(tcp), ws: await rss(ws) };
    const idleTcp = await inBatches(IDLE, 200, (i) => tcpClient(`idlet${i}`, () => {}, i));
    const idleWs = await inBatches(IDLE, 200, (i) => wsClient(`idlew${i}`, () => {}, i));
    await sleep(2000);
    const after = { tcp: await rss(tcp), ws: await rss(ws) };
    result.idle = {
      connections: IDLE,
      tcpBytesPerConnection: Math.round((after.tcp - before.tcp) / IDLE),
      wsBytesPerConnection: Math.round((after.ws - before.ws) / IDLE),
      tcpRssMiB: +(after.tcp / 2 ** 20).toFixed(1),
      wsRssMiB: +(after.ws / 2 ** 20).toFixed(1),
    };
    for (const c of [...idleTcp, ...idleWs]) c.close();
  }
  await sleep(2000);

  // 2. Fan-out.
  const lat = [];
  let delivered = 0;
  const onMessage = (line) => {
    const m = /"text":"t(\d+)"/.exec(line);
    if (m) {
      lat.push(Date.now() - Number(m[1]));
      delivered++;
    }
  };
  const members = await inBatches(ROOMS * MEMBERS, 200, (i) =>
    clientFor(i)(`m${i}`, onMessage, i + 50_000),
  );
  await inBatches(members.length, 500, async (i) =>
    members[i].send({ type: 'join', room: `bench-${i % ROOMS}` }),
  );
  await sleep(3000);
  lat.length = 0;
  delivered = 0;
  const senders = Array.from({ length: ROOMS }, (_, r) => members[r]);
  const cpu = async () => (sio ? 0 : (await cpuSeconds(tcp)) + (await cpuSeconds(ws)));
  const cpuBefore = await cpu();
  const start = Date.now();
  const tick = 1000 / RATE;
  let sent = 0;
  while (Date.now() - start < SECONDS * 1000) {
    const t0 = Date.now();
    for (const [r, s] of senders.entries())
      s.send({ type: 'say', room: `bench-${r}`, text: `t${Date.now()}` });
    sent += senders.length;
    await sleep(Math.max(0, tick - (Date.now() - t0)));
  }
  await sleep(3000);
  const cpuUsed = (await cpu()) - cpuBefore;
  const elapsed = (Date.now() - start) / 1000 - 3;
  lat.sort((a, b) => a - b);
  const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? null;
  result.fanout = {
    rooms: ROOMS,
    membersPerRoom: MEMBERS,
    clients: members.length,
    sent,
    expectedDeliveries: sent * MEMBERS,
    delivered,
    deliveriesPerSecond: Math.round(delivered / elapsed),
    latencyMs: { p50: q(0.5), p95: q(0.95), p99: q(0.99), max: lat.at(-1) ?? null },
    // CPU both gateways spent per delivered copy: steadier than latency on a shared machine.
    ...(sio ? {} : { gatewayCpuMicrosPerDelivery: +((cpuUsed * 1e6) / delivered).toFixed(2) }),
    rssMiB: sio
      ? { server: +(sio.rss() / 2 ** 20).toFixed(1) }
      : {
          tcp: +((await rss(tcp)) / 2 ** 20).toFixed(1),
          ws: +((await rss(ws)) / 2 ** 20).toFixed(1),
        },
  };
  for (const c of members) c.close();
} finally {
  await fleet?.stop();
  if (sio) {
    sio.proc.kill('SIGKILL');
    await sio.redis.destroy();
  }
}
console.log(JSON.stringify(result, null, 2));
