// `make up`: a local redis-server (unless REDIS_URL is set), then the four services in the
// foreground with prefixed, readable logs. Ctrl-C stops everything. With REDIS_CLUSTER=1
// (`make up-cluster`), a local Redis Cluster of 3 primaries and 3 replicas instead.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createConnection } from 'node:net';
import { createInterface } from 'node:readline';

const env = { ...process.env };
// chat_build_info says which commit runs.
const sha = spawnSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' });
if (!env.GIT_SHA && sha.status === 0) env.GIT_SHA = sha.stdout.trim();
const children = [];
const colors = {
  redis: 31,
  'tcp-gateway': 32,
  'ws-gateway': 36,
  matchmaker: 33,
  'history-writer': 35,
};
const width = 14;

function pretty(line) {
  try {
    const o = JSON.parse(line);
    const { level, time, msg, service: _s, pid: _p, name: _n, hostname: _h, ...rest } = o;
    const lvl =
      { 10: 'trace', 20: 'debug', 30: 'info', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' }[level] ??
      level;
    const fields = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : '';
    return `${new Date(time).toISOString().slice(11, 19)} ${lvl} ${msg}${fields}`;
  } catch {
    return line;
  }
}

function run(name, cmd, args, { detached = false, extra = {} } = {}) {
  const child = spawn(cmd, args, {
    env: { ...env, ...extra },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached,
  });
  const tag = `\x1b[${colors[name] ?? 37}m${name.padEnd(width)}\x1b[0m|`;
  for (const s of [child.stdout, child.stderr]) {
    createInterface({ input: s }).on('line', (l) => console.log(`${tag} ${pretty(l)}`));
  }
  child.on('exit', (code, sig) => {
    console.log(`${tag} exited (${sig ?? code})`);
    if (!stopping) stop(1);
  });
  children.push(child);
  return child;
}

const answers = (port) =>
  new Promise((resolve) => {
    const s = createConnection({ port, host: '127.0.0.1' }, () => s.write('PING\r\n'));
    s.once('data', (d) => (s.destroy(), resolve(d.toString().startsWith('+PONG'))));
    s.once('error', () => resolve(false));
  });

let stopping = false;
function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  console.log('\nstopping the fleet…');
  const services = children.filter((c) => c.spawnargs[0] !== 'redis-server');
  for (const c of services) c.kill('SIGTERM');
  const redis = children.filter((c) => c.spawnargs[0] === 'redis-server');
  const exited = (c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : null);
  // Redis last: the services drain (sessions leave rooms, tickets are cancelled) against it.
  Promise.all(services.map(exited))
    .then(() => {
      for (const c of redis) c.kill('SIGTERM');
      return Promise.all(redis.map(exited));
    })
    .then(() => process.exit(code));
  setTimeout(() => process.exit(code), 15_000).unref();
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
// Redis runs in its own process group: never leave it behind.
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
});

const cluster = /^(1|true|yes|on)$/i.test(env.REDIS_CLUSTER ?? '');

/** redis-cli's answer, or '' if it failed. */
const cli = (port, ...args) =>
  spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' }).stdout ?? '';

// Six redis-server in cluster mode on REDIS_PORT (default 7001) and the five ports after it,
// each with its folder under .tmp (nodes.conf and the AOF, so the next run finds them again).
async function startCluster() {
  const first = Number(env.REDIS_PORT ?? 7001);
  const ports = [0, 1, 2, 3, 4, 5].map((i) => first + i);
  for (const port of ports) {
    if (await answers(port)) continue;
    const dir = `.tmp/cluster-${port}`;
    mkdirSync(dir, { recursive: true });
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir];
    args.push('--appendonly', 'yes', '--save', '', '--cluster-enabled', 'yes');
    args.push('--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '5000');
    // The other shards keep serving while one has no primary (ElastiCache's default too).
    args.push('--cluster-require-full-coverage', 'no');
    run('redis', 'redis-server', args, { detached: true });
  }
  for (const port of ports)
    for (let i = 0; i < 100 && !(await answers(port)); i++)
      await new Promise((r) => setTimeout(r, 100));
  if (!/cluster_slots_assigned:16384/.test(cli(first, 'cluster', 'info'))) {
    console.log(`forming a cluster on ports ${first}-${first + 5}`);
    const nodes = ports.map((p) => `127.0.0.1:${p}`);
    const made = spawnSync(
      'redis-cli',
      ['--cluster', 'create', ...nodes, '--cluster-replicas', '1', '--cluster-yes'],
      { encoding: 'utf8' },
    );
    if (made.status !== 0) {
      console.error(`redis-cli --cluster create failed:\n${made.stdout}${made.stderr}`);
      stop(1);
      await new Promise(() => {}); // stop() exits once Redis is down
    }
  }
  for (let i = 0; i < 200 && !/cluster_state:ok/.test(cli(first, 'cluster', 'info')); i++)
    await new Promise((r) => setTimeout(r, 100));
  env.REDIS_URL = ports.map((p) => `redis://127.0.0.1:${p}`).join(',');
}

if (!env.REDIS_URL && cluster) await startCluster();

if (!env.REDIS_URL) {
  const port = Number(env.REDIS_PORT ?? 6379);
  if (await answers(port)) {
    console.log(`a Redis already answers on port ${port}: using it`);
  } else {
    if (spawnSync('redis-server', ['--version']).status !== 0) {
      console.error('redis-server not found: run `make install`, or set REDIS_URL');
      process.exit(1);
    }
    // One data folder per port: a second `make up` on another port never shares an AOF.
    const dir = port === 6379 ? '.tmp/redis' : `.tmp/redis-${port}`;
    mkdirSync(dir, { recursive: true });
    // Its own process group: Ctrl-C reaches the services, which drain against a Redis that is
    // still there; stop() ends Redis once they have exited.
    run(
      'redis',
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--appendonly',
        'yes',
        '--save',
        '',
      ],
      { detached: true },
    );
    for (let i = 0; i < 100 && !(await answers(port)); i++)
      await new Promise((r) => setTimeout(r, 100));
  }
  env.REDIS_URL = `redis://127.0.0.1:${port}`;
}

// Four services on one machine need four metrics ports: METRICS_PORT_BASE and the next three.
if (env.METRICS_PORT && !env.METRICS_PORT_BASE) {
  console.log(
    `METRICS_PORT is one service's setting; make up takes METRICS_PORT_BASE: using ${env.METRICS_PORT} and the next three`,
  );
  env.METRICS_PORT_BASE = env.METRICS_PORT;
}
delete env.METRICS_PORT;
const base = Number(env.METRICS_PORT_BASE ?? 9101);
if (!Number.isInteger(base) || base < 1 || base > 65532) {
  console.error(`METRICS_PORT_BASE must be a port from 1 to 65532, got "${env.METRICS_PORT_BASE}"`);
  process.exit(1);
}
const order = ['tcp-gateway', 'ws-gateway', 'matchmaker', 'history-writer'];
const metricsPort = (svc) => base + order.indexOf(svc);
for (const svc of ['matchmaker', 'history-writer', 'tcp-gateway', 'ws-gateway']) {
  run(svc, process.execPath, ['--enable-source-maps', `services/${svc}/dist/main.js`], {
    extra: { METRICS_PORT: String(metricsPort(svc)) },
  });
}
const tcp = env.TCP_PORT ?? '8888';
setTimeout(() => {
  const where = cluster ? `Redis Cluster, seeds ${env.REDIS_URL}` : `Redis at ${env.REDIS_URL}`;
  console.log(`\nchatfleet is up (${where}).`);
  console.log(`  in a browser:         http://localhost:${env.WS_PORT ?? '8080'}`);
  console.log(`  talk to a stranger:   nc -N localhost ${tcp}  (run it twice), or npm run client`);
  const admin = cluster
    ? `REDIS_CLUSTER=1 REDIS_URL=${env.REDIS_URL} npm run admin`
    : 'npm run admin';
  console.log(`  moderate:             ${admin} -- reports   (docs/moderation.md)`);
  console.log(
    `  metrics:              ${order.map((svc) => `http://localhost:${metricsPort(svc)}/metrics (${svc})`).join(', ')}`,
  );
  console.log('  Ctrl-C stops everything.\n');
}, 1500);
