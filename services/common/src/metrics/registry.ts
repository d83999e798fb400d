import { Registry, collectDefaultMetrics } from 'prom-client';

/** A registry with the process metrics (event-loop lag included) and a service label. */
export function createRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry, prefix: 'chat_' });
  return registry;
}

/** Fine below 10 ms, up to ~8 s: exponential from 0.5 ms, 15 buckets. */
export const LATENCY_BUCKETS = Array.from({ length: 15 }, (_, i) => 0.0005 * 2 ** i);
