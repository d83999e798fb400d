import { createRequire } from 'node:module';
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/** The fleet's version: every service is released from one tree, with the runtime package's version. */
function fleetVersion(): string {
  try {
    return (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** A registry with the process metrics (event-loop lag included), build info, a service label. */
export function createRegistry(service: string, gitSha = 'unknown'): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry, prefix: 'chat_' });
  new Gauge({
    name: 'chat_build_info',
    help: 'Always 1; its labels say which build runs: version, git_sha, node',
    labelNames: ['version', 'git_sha', 'node'],
    registers: [registry],
  }).set({ version: fleetVersion(), git_sha: gitSha, node: process.version }, 1);
  return registry;
}

/** Fine below 10 ms, up to ~8 s: exponential from 0.5 ms, 15 buckets. */
export const LATENCY_BUCKETS = Array.from({ length: 15 }, (_, i) => 0.0005 * 2 ** i);

/** A message's hand-over to local sockets is microseconds per member: from 20 µs, 15 buckets. */
export const FANOUT_BUCKETS = Array.from({ length: 15 }, (_, i) => 0.00002 * 2 ** i);
