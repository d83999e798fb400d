import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitUntil } from './ports.js';

export interface TestPrometheus {
  url: string;
  /** Runs an instant query (now, or at a Unix time in seconds); resolves with the result vector. */
  query(
    expr: string,
    at?: number,
  ): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  stop(): Promise<void>;
}

export interface PrometheusOptions {
  /** A whole configuration instead of one job per target (targets are then ignored). */
  config?: string;
  /** Files beside the configuration (rule files it names). */
  files?: Record<string, string>;
  /** Accept remote writes on /api/v1/write (k6's Prometheus output). */
  remoteWrite?: boolean;
}

/** A real Prometheus scraping the given metrics ports every second. */
export async function startPrometheus(
  targets: { job: string; port: number }[],
  o: PrometheusOptions = {},
): Promise<TestPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'chatfleet-prom-'));
  const port = await freePort();
  const jobs = targets
    .map(
      (t) =>
        `  - job_name: ${t.job}\n    static_configs:\n      - targets: ['127.0.0.1:${t.port}']`,
    )
    .join('\n');
  writeFileSync(
    join(dir, 'prometheus.yml'),
    o.config ??
      `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n${jobs}\n`,
  );
  for (const [name, text] of Object.entries(o.files ?? {})) writeFileSync(join(dir, name), text);
  const proc = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      ...(o.remoteWrite ? ['--web.enable-remote-write-receiver'] : []),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  proc.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-20_000)));
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(
    async () => (await fetch(`${url}/-/ready`)).ok,
    20_000,
    'prometheus to be ready',
  ).catch((err: unknown) => {
    proc.kill('SIGKILL');
    throw new Error(`${String(err)}\n${log}`);
  });
  return {
    url,
    async query(expr, at) {
      const time = at !== undefined ? `&time=${at}` : '';
      const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}${time}`);
      const body = (await res.json()) as {
        status: string;
        data: { result: { metric: Record<string, string>; value: [number, string] }[] };
      };
      if (body.status !== 'success') throw new Error(`query failed: ${expr}`);
      return body.data.result;
    },
    async stop() {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs `promtool check metrics` on an exposition; resolves with its output and exit code. */
export function promtoolCheckMetrics(exposition: string): { code: number | null; output: string } {
  const res = spawnSync('promtool', ['check', 'metrics'], { input: exposition });
  return { code: res.status, output: `${res.stdout.toString()}${res.stderr.toString()}` };
}
