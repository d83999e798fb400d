import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { catalogued, metricsIn } from '@chatfleet/testing';
import { SERVICES, SERVICE_PORTS, type ServiceName } from './environments.js';

// No Docker engine runs here: these check what can be checked without one.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');

interface Stage {
  name: string;
  from: string;
  lines: string[];
}

function stages(dockerfile: string): Stage[] {
  const out: Stage[] = [];
  const joined = dockerfile.replace(/\\\n/g, ' ');
  for (const raw of joined.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (m) out.push({ name: m[2] ?? '', from: m[1] ?? '', lines: [] });
    else out.at(-1)?.lines.push(line);
  }
  return out;
}

/** Every environment variable a service's configuration reads, from its sources. */
function envNames(service: ServiceName): Set<string> {
  const files = ['services/runtime/src/env.ts', `services/${service}/src/config.ts`];
  if (service.endsWith('gateway'))
    files.push('services/gateway-core/src/gateway/gateway-config.ts');
  const names = new Set<string>();
  for (const f of files)
    for (const m of read(f).matchAll(
      /env(?:Int|String|Bool|Port)?\(env, '([A-Z_]+)'|env\[\s*'([A-Z_]+)'\s*\]|envString\(env, '([A-Z_]+)'/g,
    ))
      names.add(m[1] ?? m[2] ?? m[3] ?? '');
  return names;
}

describe('Dockerfile', () => {
  const all = stages(read('Dockerfile'));
  const byName = new Map(all.map((s) => [s.name, s]));

  it('has a target per service on node:20-bookworm-slim, with an init, a non-root user and SIGTERM', () => {
    assert.match(read('Dockerfile'), /ARG NODE_IMAGE=node:20-bookworm-slim/);
    const runtime = byName.get('runtime');
    assert.ok(runtime?.lines.some((l) => l.includes('install -y --no-install-recommends tini')));
    assert.ok(runtime?.lines.includes('ENTRYPOINT ["/usr/bin/tini", "--"]'));
    assert.ok(runtime?.lines.includes('STOPSIGNAL SIGTERM'));
    for (const s of SERVICES) {
      const st = byName.get(s);
      assert.equal(st?.from, 'runtime', s);
      assert.ok(st?.lines.includes('USER node'), `${s} runs as node`);
      assert.ok(
        st?.lines.some((l) => /npm ci --omit=dev/.test(l)),
        `${s} installs production dependencies only`,
      );
    }
  });

  it("copies the package.json and build of every workspace package a service runs on, and no other's", () => {
    // @chatfleet/x -> its folder and production dependencies, from the workspaces themselves.
    const folders = readdirSync(join(ROOT, 'services'));
    const pkgs = new Map<string, { dir: string; deps: string[] }>();
    for (const d of folders) {
      const pj = JSON.parse(read(`services/${d}/package.json`)) as {
        name: string;
        dependencies?: Record<string, string>;
      };
      const deps = Object.keys(pj.dependencies ?? {}).filter((n) => n.startsWith('@chatfleet/'));
      pkgs.set(pj.name, { dir: `services/${d}`, deps });
    }
    for (const s of SERVICES) {
      const need = new Set<string>();
      const walk = (name: string) => {
        for (const dep of pkgs.get(name)?.deps ?? []) {
          if (need.has(dep)) continue;
          need.add(dep);
          walk(dep);
        }
      };
      walk(`@chatfleet/${s}`);
      const want = [...need].map((n) => pkgs.get(n)!.dir).sort();
      const copied = (suffix: string) =>
        (byName.get(s)?.lines ?? [])
          .map((l) => new RegExp(`^COPY --from=build /app/(\\S+)/${suffix} `).exec(l)?.[1])
          .filter((d): d is string => d !== undefined && d !== `services/${s}`)
          .sort();
      assert.ok(want.length > 0, s);
      assert.deepEqual(copied('package.json'), want, `${s}: package.json files`);
      assert.deepEqual(copied('dist'), want, `${s}: builds`);
      // Lua scripts are read from files at start, next to the build that reads them.
      const lua = [...want, `services/${s}`].filter((d) => existsSync(join(ROOT, d, 'lua'))).sort();
      const copiedLua = (byName.get(s)?.lines ?? [])
        .map((l) => /^COPY --from=build \/app\/(\S+)\/lua (\S+)\/lua$/.exec(l))
        .filter((m) => m !== null && m[1] === m[2])
        .map((m) => m![1]!)
        .sort();
      assert.deepEqual(copiedLua, lua, `${s}: Lua scripts`);
    }
  });

  it('copies only sources that exist', () => {
    for (const st of all) {
      for (const l of st.lines.filter((x) => x.startsWith('COPY') && !x.includes('--from='))) {
        const parts = l.split(/\s+/).slice(1);
        for (const src of parts.slice(0, -1))
          assert.ok(existsSync(join(ROOT, src)), `${st.name}: COPY ${src}`);
      }
    }
  });

  it('starts entry points that exist after make build, exposing the ports their config defaults to', async () => {
    for (const s of SERVICES) {
      const st = byName.get(s)!;
      const cmd = st.lines.find((l) => l.startsWith('CMD'))!;
      const entry = /"(services\/[^"]+\.js)"/.exec(cmd)?.[1] ?? '';
      assert.ok(existsSync(join(ROOT, entry)), `${s}: ${entry} (run make build first)`);
      for (const l of st.lines.filter((x) => x.startsWith('COPY --from=build'))) {
        const src = l.split(/\s+/)[2] ?? '';
        assert.ok(existsSync(src.replace(/^\/app\//, ROOT)), `${s}: ${src}`);
      }
      const mod = (await import(
        pathToFileURL(join(ROOT, `services/${s}/dist/config.js`)).href
      )) as { readConfig(env: Record<string, string>): Record<string, unknown> };
      const c = mod.readConfig({});
      const expose = st.lines
        .find((l) => l.startsWith('EXPOSE'))!
        .split(/\s+/)
        .slice(1)
        .map(Number);
      const want = [c['tcpPort'] ?? c['wsPort'], c['metricsPort']]
        .filter((x) => x !== undefined)
        .map(Number);
      assert.deepEqual(expose, want, s);
      assert.equal(c['metricsPort'], SERVICE_PORTS[s].metrics, `${s}: infra and config agree`);
      const health = st.lines.find((l) => l.startsWith('HEALTHCHECK'))!;
      assert.ok(
        health.includes(`||${String(c['metricsPort'])})+'/healthz'`),
        `${s}: health check on /healthz of the metrics port`,
      );
    }
  });
});

describe('the ws-gateway image', () => {
  const UWS = join(ROOT, 'node_modules/uWebSockets.js');
  const native = `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`;
  /** A hard-linked copy of the installed package: pruning it leaves the original alone. */
  function copy(): string {
    const dir = mkdtempSync(join(tmpdir(), 'chatfleet-uws-'));
    const res = spawnSync('cp', ['-al', UWS, join(dir, 'uws')]);
    assert.equal(res.status, 0, String(res.stderr));
    return join(dir, 'uws');
  }
  const prune = (dir: string) =>
    spawnSync(process.execPath, [join(ROOT, 'scripts/prune-uws.mjs'), dir], { encoding: 'utf8' });

  it('prunes uWebSockets.js to the one binary its Node loads, in the ws-gateway stage', () => {
    const st = stages(read('Dockerfile')).find((x) => x.name === 'ws-gateway')!;
    const install = st.lines.findIndex((l) =>
      /npm ci --omit=dev .*&& node \/tmp\/prune-uws\.mjs/.test(l),
    );
    assert.ok(install >= 0, 'prune right after installing, in the same layer');
    assert.ok(st.lines.includes('COPY scripts/prune-uws.mjs /tmp/prune-uws.mjs'));
  });

  it('keeps only the binary for this platform and ABI, and that binary loads natively', () => {
    const dir = copy();
    try {
      assert.ok(readdirSync(join(dir, 'binaries')).length > 10, 'the package ships many builds');
      const res = prune(dir);
      assert.equal(res.status, 0, res.stderr);
      assert.match(
        res.stdout,
        new RegExp(`kept ${native.replace(/\./g, '\\.')}, removed \\d+\\.\\d MB`),
      );
      assert.deepEqual(readdirSync(join(dir, 'binaries')), [native]);
      assert.deepEqual(
        readdirSync(join(dir, 'dist')).filter((f) => f.endsWith('.node')),
        [],
      );
      // The package itself still loads the native build, not its JavaScript fallback.
      const load = spawnSync(
        process.execPath,
        [
          '-e',
          `const u = require(${JSON.stringify(join(dir, 'src/uws.js'))}); process.exit(typeof u.getParts === 'function' ? 0 : 3)`,
        ],
        { encoding: 'utf8' },
      );
      assert.equal(load.status, 0, load.stderr);
      assert.ok(existsSync(join(UWS, 'binaries', 'uws_win32_x64_115.node')), 'original untouched');
    } finally {
      rmSync(dirname(dir), { recursive: true, force: true });
    }
  });

  it('fails the build when no binary fits this Node, instead of shipping the slow fallback', () => {
    const dir = copy();
    try {
      rmSync(join(dir, 'binaries', native));
      const res = prune(dir);
      assert.equal(res.status, 1);
      assert.match(
        res.stderr,
        new RegExp(
          `no ${native.replace(/\./g, '\\.')} in .*this Node cannot run uWebSockets\\.js natively`,
        ),
      );
      assert.ok(readdirSync(join(dir, 'binaries')).length > 10, 'nothing deleted');
    } finally {
      rmSync(dirname(dir), { recursive: true, force: true });
    }
  });
});

describe('docker-compose.yml', () => {
  const compose = parse(read('docker-compose.yml'), { merge: true }) as {
    services: Record<
      string,
      { build?: { target: string }; environment?: Record<string, string>; ports?: string[] }
    >;
  };

  it('runs Redis, the four services, Prometheus and Grafana', () => {
    assert.deepEqual(Object.keys(compose.services).sort(), [
      'grafana',
      'history-writer',
      'matchmaker',
      'prometheus',
      'redis',
      'tcp-gateway',
      'ws-gateway',
    ]);
    assert.equal(compose.services['grafana']?.build?.target, 'grafana');
  });

  it('gives each service only environment names its configuration reads, and publishes its ports', () => {
    for (const s of SERVICES) {
      const svc = compose.services[s]!;
      assert.equal(svc.build?.target, s);
      const known = envNames(s);
      for (const name of Object.keys(svc.environment ?? {}))
        assert.ok(known.has(name), `${s}: ${name} is not read by its config`);
      const ports = SERVICE_PORTS[s];
      for (const p of [ports.traffic, ports.metrics].filter((x) => x !== undefined))
        assert.ok(svc.ports?.includes(`${p}:${p}`), `${s}: port ${p}`);
      assert.equal(svc.environment?.['METRICS_PORT'], String(ports.metrics));
      // Loopback (the default) would hide them from Prometheus in another container.
      assert.equal(svc.environment?.['METRICS_HOST'], '0.0.0.0');
    }
  });

  it('lets Prometheus scrape every service on its metrics port', () => {
    const prom = parse(read('dashboards/prometheus/prometheus-compose.yml')) as {
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
    };
    const targets = prom.scrape_configs.flatMap((j) => j.static_configs.flatMap((c) => c.targets));
    assert.deepEqual(
      targets.sort(),
      SERVICES.map((s) => `${s}:${SERVICE_PORTS[s].metrics}`).sort(),
    );
  });

  it('provisions Grafana with the dashboards of dashboards/, whose queries use metrics we export', () => {
    const provider = parse(
      read('infra/monitoring/grafana/provisioning/dashboards/chatfleet.yaml'),
    ) as { providers: { options: { path: string } }[] };
    assert.match(
      read('Dockerfile'),
      new RegExp(`COPY dashboards/grafana ${provider.providers[0]!.options.path}`),
    );
    const listed = catalogued();
    const dash = JSON.parse(read('dashboards/grafana/chatfleet-overview.json')) as {
      panels: { targets: { expr: string }[] }[];
    };
    assert.ok(dash.panels.length >= 6);
    for (const p of dash.panels)
      for (const t of p.targets)
        for (const name of metricsIn(t.expr))
          assert.ok(listed(name), `${name} is documented in docs/metrics.md`);
  });
});
