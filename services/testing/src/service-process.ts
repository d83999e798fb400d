import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { freePort, waitUntil } from './ports.js';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export type ServiceName = 'tcp-gateway' | 'ws-gateway' | 'matchmaker' | 'history-writer';

export interface ServiceProcess {
  name: ServiceName;
  proc: ChildProcess;
  metricsPort: number;
  /** TCP port of a tcp-gateway. */
  tcpPort: number;
  /** HTTP and WebSocket port of a ws-gateway. */
  wsPort: number;
  env: Record<string, string>;
  logs(): string;
  /** Sends a signal and waits for the exit code. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
}

/**
 * Starts a built service (dist/main.js) as its own process and waits for /healthz. A port
 * picked here can be taken by another test's client before the service binds it: then it
 * tries again with new ports.
 */
export async function startService(
  name: ServiceName,
  env: Record<string, string>,
): Promise<ServiceProcess> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(name, env);
    } catch (err) {
      // Node says EADDRINUSE; uWebSockets.js only that it cannot listen.
      const taken = /EADDRINUSE|cannot listen on/.test(String(err));
      if (attempt >= 3 || !taken) throw err;
    }
  }
}

async function startOnce(name: ServiceName, env: Record<string, string>): Promise<ServiceProcess> {
  const metricsPort = Number(env['METRICS_PORT'] ?? (await freePort()));
  const tcpPort = name === 'tcp-gateway' ? Number(env['TCP_PORT'] ?? (await freePort())) : 0;
  const wsPort = name === 'ws-gateway' ? Number(env['WS_PORT'] ?? (await freePort())) : 0;
  const fullEnv: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    LOG_LEVEL: 'info',
    METRICS_HOST: '127.0.0.1',
    TCP_HOST: '127.0.0.1',
    ...env,
    METRICS_PORT: String(metricsPort),
    ...(tcpPort ? { TCP_PORT: String(tcpPort) } : {}),
    ...(wsPort ? { WS_PORT: String(wsPort), WS_HOST: '127.0.0.1' } : {}),
  };
  const proc = spawn(
    process.execPath,
    ['--enable-source-maps', join(REPO_ROOT, 'services', name, 'dist', 'main.js')],
    {
      env: fullEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  const keep = (d: Buffer) => {
    out += d.toString();
    if (out.length > 2_000_000) out = out.slice(-1_000_000);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) =>
    proc.once('exit', (code) => resolve(code)),
  );
  const healthy = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return true; // stop waiting: it died
    return (await fetch(`http://127.0.0.1:${metricsPort}/healthz`)).ok;
  };
  try {
    await waitUntil(healthy, 15_000, `${name} /healthz`);
  } catch (err) {
    proc.kill('SIGKILL');
    throw new Error(`${String(err)}\n${out}`, { cause: err });
  }
  if (proc.exitCode !== null || proc.signalCode !== null)
    throw new Error(`${name} exited at start (${proc.exitCode}):\n${out}`);
  return {
    name,
    proc,
    metricsPort,
    tcpPort,
    wsPort,
    env: fullEnv,
    logs: () => out,
    async stop(signal = 'SIGTERM', timeoutMs = 15_000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
      proc.kill(signal);
      const t = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
}

/** Reads one metric value (sum over label sets matching `labels`) from a service. */
export async function readMetric(
  port: number,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:]+)(\{[^}]*\})? ([0-9.eE+-]+|NaN)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const lbl = m[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => lbl.includes(`${k}="${v}"`))) sum += Number(m[3]);
  }
  return sum;
}
