// Every knob of the scripts comes from the environment (k6 run -e NAME=value, or the shell).

/** A string setting. */
export const str = (name: string, def: string): string => __ENV[name] || def;

/** A positive number setting; a bad value stops the run before it starts. */
export function num(name: string, def: number): number {
  const raw = __ENV[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a number >= 0, got "${raw}"`);
  return n;
}

/** The ws-gateway's WebSocket endpoint: `make up` serves it on 8080. */
export const WS_URL = str('WS_URL', 'ws://127.0.0.1:8080/ws');

/** Tells this run's nicks apart from another run's and from real users. */
export const RUN = str('RUN_ID', `${Date.now().toString(36)}`);

/** A nick of at most 24 characters, unique per VU and iteration. */
export const nick = (kind: string, vu: number, iter: number): string =>
  `k${kind}${RUN.slice(-6)}-${vu}-${iter}`.slice(0, 24);

/** The trend statistics every script's summary shows: tails, not only averages. */
export const TREND_STATS = ['avg', 'min', 'med', 'max', 'p(95)', 'p(99)'];
