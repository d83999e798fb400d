import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './service-process.js';

export interface CatalogueEntry {
  name: string;
  type: string;
  /** The services whose section lists it. */
  services: string[];
}

const SECTION_SERVICES: Record<string, string[]> = {
  'Every service': ['tcp-gateway', 'ws-gateway', 'matchmaker', 'history-writer'],
  'Gateways (tcp-gateway and ws-gateway)': ['tcp-gateway', 'ws-gateway'],
  'ws-gateway only': ['ws-gateway'],
  matchmaker: ['matchmaker'],
  'history-writer': ['history-writer'],
};

/** The metric tables of docs/metrics.md, each row with the services its section names. */
export function readCatalogue(): CatalogueEntry[] {
  const out: CatalogueEntry[] = [];
  let services: string[] | undefined;
  for (const line of readFileSync(join(REPO_ROOT, 'docs/metrics.md'), 'utf8').split('\n')) {
    const heading = /^## (.+)$/.exec(line);
    if (heading) services = SECTION_SERVICES[heading[1] ?? ''];
    const row = /^\| `(chat_[a-z0-9_]+)` +\| (\w+)/.exec(line);
    if (row && services) out.push({ name: row[1] ?? '', type: row[2] ?? '', services });
  }
  return out;
}

/** `# TYPE` lines of an exposition, prom-client's process metrics left out. */
export function exposedMetrics(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [, name, type] of text.matchAll(/^# TYPE (chat_\S+) (\w+)$/gm))
    if (name && type && !/^chat_(process|nodejs)_/.test(name)) out.set(name, type);
  return out;
}

/** The chat_ metric names a PromQL expression reads (histogram suffixes dropped). */
export const metricsIn = (expr: string): string[] =>
  [...expr.matchAll(/\b(chat_[a-z0-9_]+?)(?:_bucket|_count|_sum)?\b/g)].map((m) => m[1] ?? '');

/** Whether docs/metrics.md lists a metric (prom-client's process families count as listed). */
export function catalogued(): (name: string) => boolean {
  const names = new Set(readCatalogue().map((e) => e.name));
  return (name) => /^chat_(process|nodejs)_/.test(name) || names.has(name);
}
