import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { readFileSync, rmSync } from 'node:fs';
import { Inbox, JsonClient, REPO_ROOT, freePort, settingsDocumented, waitUntil } from '../index.js';

/** Four free ports in a row, for METRICS_PORT_BASE. */
async function freeRun(): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    const base = 20_000 + Math.floor(Math.random() * 40_000);
    const ok = await Promise.all(
      [0, 1, 2, 3].map(
        (i) =>
          new Promise<boolean>((resolve) => {
            const srv = createServer();
            srv.once('error', () => resolve(false));
            srv.listen(base + i, '127.0.0.1', () => srv.close(() => resolve(true)));
          }),
      ),
    );
    if (ok.every(Boolean)) return base;
  }
  throw new Error('no four free ports in a row');
}

// `make up` as a newcomer runs it: scripts/up.mjs in the foreground, stopped with Ctrl-C (a
// SIGINT to its whole process group, as a terminal sends it).
describe('make up', () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('documents every setting scripts/up.mjs reads in the README', () => {
    const src = readFileSync(join(REPO_ROOT, 'scripts/up.mjs'), 'utf8');
    const read = new Set([...src.matchAll(/env\.([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]!));
    // Set by make up for the services, not read from the user.
    read.delete('GIT_SHA');
    const documented = settingsDocumented();
    assert.deepEqual(
      [...read].filter((n) => !documented.has(n)),
      [],
    );
  });

  it('takes another metrics port (METRICS_PORT, as the README once said), and Ctrl-C stops Redis last', async () => {
    const [redisPort, tcpPort, wsPort, base] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freeRun(),
    ];
    dirs.push(join(REPO_ROOT, `.tmp/redis-${redisPort}`));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      REDIS_PORT: String(redisPort),
      TCP_PORT: String(tcpPort),
      WS_PORT: String(wsPort),
      METRICS_PORT: String(base),
      KEY_PREFIX: `up${redisPort}`,
    };
    delete env['REDIS_URL'];
    const up = spawn(process.execPath, ['scripts/up.mjs'], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const lines = new Inbox<string>();
    let buf = '';
    for (const s of [up.stdout, up.stderr])
      s.on('data', (d: Buffer) => {
        buf += d.toString();
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          // eslint-disable-next-line no-control-regex
          lines.push(buf.slice(0, nl).replace(/\x1b\[\d+m/g, ''));
          buf = buf.slice(nl + 1);
        }
      });
    const exited = new Promise<number | null>((r) => up.once('exit', (code) => r(code)));
    try {
      await lines.take((l) => l.includes('chatfleet is up'), 30_000, 'the banner');
      const banner = await lines.take((l) => l.includes('metrics:'), 5000, 'the metrics line');
      for (let i = 0; i < 4; i++) {
        assert.ok(banner.includes(`http://localhost:${base + i}/metrics`), banner);
        const port = base + i;
        await waitUntil(
          async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok,
          20_000,
          `service on metrics port ${port} healthy`,
        );
      }
      // Somebody is in a room when the fleet stops: their session is drained against Redis.
      const { c } = await JsonClient.hello(tcpPort, 'upuser');
      assert.equal((await c.request({ type: 'join', room: 'up' }))['type'], 'joined');
      process.kill(-up.pid!, 'SIGINT');
      assert.equal(await exited, 0);
    } finally {
      if (up.exitCode === null) process.kill(-up.pid!, 'SIGKILL');
    }
    const all = lines.items;
    const at = (re: RegExp) => all.findIndex((l) => re.test(l));
    const redisStops = at(/^redis\s*\|.*(Received SIGTERM|User requested shutdown)/);
    assert.ok(redisStops > 0, all.join('\n'));
    for (const svc of ['tcp-gateway', 'ws-gateway', 'matchmaker', 'history-writer']) {
      const gone = at(new RegExp(`^${svc}\\s*\\| exited`));
      assert.ok(
        gone > 0 && gone < redisStops,
        `${svc} exits before Redis stops:\n${all.join('\n')}`,
      );
    }
    assert.equal(at(/ECONNREFUSED|subscriber lost/), -1, all.join('\n'));
    assert.equal(at(/Received SIGINT/), -1, 'Redis never gets the Ctrl-C itself');
  });
});
