import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './service-process.js';

/**
 * Every environment name a config reader reads: it is run on an empty environment that
 * records each name asked for (defaults everywhere, so every setting is read).
 */
export function settingsRead(readConfig: (env: NodeJS.ProcessEnv) => unknown): string[] {
  const names = new Set<string>();
  const env = new Proxy({} as NodeJS.ProcessEnv, {
    get(_t, key) {
      if (typeof key === 'string') names.add(key);
      return undefined;
    },
  });
  readConfig(env);
  return [...names].sort();
}

/** Names the README documents: those in backticks in the first column of a table row. */
export function settingsDocumented(file = join(REPO_ROOT, 'README.md')): Set<string> {
  const out = new Set<string>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const first = /^\|([^|]*)\|/.exec(line)?.[1] ?? '';
    for (const m of first.matchAll(/`([A-Z][A-Z0-9_]*)`/g)) out.add(m[1]!);
  }
  return out;
}
