import { type Ban, banTerm, type OpenReport } from '@chatfleet/store';

/** What a command prints: lines for a person, a value for --json. */
export interface Output {
  lines: string[];
  data: unknown;
}

export const when = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return `${s} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} days`;
}

/** Where a report's conversation is, as `remove` takes it. */
export function reportWhere(r: OpenReport): string {
  return r.where === 'dm' ? `dm:${r.byIdent.toLowerCase()}:${r.ident.toLowerCase()}` : r.where;
}

export function reportLines(r: OpenReport, now: number): string[] {
  const status = r.takenBy
    ? `taken by ${r.takenBy}${r.idleMs !== undefined ? `, ${ago(r.idleMs)} ago` : ''}`
    : 'open';
  if (r.trimmed)
    return [`report ${r.id} (${status}): trimmed from the stream, nothing left to read`];
  return [
    `report ${r.id}  ${when(r.at)} (${ago(now - r.at)} ago), ${status}`,
    `  ${r.by} (identity ${r.byIdent}) reported ${r.nick} (identity ${r.ident}) in ${reportWhere(r)}`,
    `  reason: ${r.reason || '(none given)'}`,
    ...(r.messages.length === 0
      ? ['  (no messages)']
      : r.messages.map((m) => `  ${m.id}  ${when(m.ts)}  <${m.from}> ${m.text}`)),
  ];
}

export function banLine(b: Ban): string {
  const who =
    b.kind === 'ident'
      ? `identity ${b.value}${b.nick ? ` (${b.nick})` : ''}`
      : `address ${b.value}`;
  return `${who} ${banTerm(b)}, by ${b.by} at ${when(b.at)}${b.reason ? `: ${b.reason}` : ''}`;
}
