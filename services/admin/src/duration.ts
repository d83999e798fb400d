const UNITS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/**
 * A ban's length: `90s`, `30m`, `12h`, `7d`, `2w`, or `forever` (0). Refuses anything else, and
 * anything longer than ten years (use forever).
 */
export function parseDuration(s: string): number | undefined {
  if (s === 'forever' || s === 'ever') return 0;
  const m = /^(\d{1,6})([smhdw])$/.exec(s);
  if (!m) return undefined;
  const ms = Number(m[1]) * (UNITS[m[2] ?? ''] ?? 0);
  return ms > 0 && ms <= 3650 * UNITS['d']! ? ms : undefined;
}
