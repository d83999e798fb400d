import type { ServiceProcess } from './service-process.js';

/**
 * The services' log lines since `sinceMs` (epoch ms), merged in time order, one short line
 * each ("+ms service#i message {fields}"): put first in a failure message, it survives the
 * truncation of a long CI log, where a file written on the CI machine would not.
 */
export function logTimeline(services: ServiceProcess[], sinceMs: number, max = 60): string {
  const lines: { t: number; text: string }[] = [];
  services.forEach((p, i) => {
    for (const raw of p.logs().split('\n')) {
      let rec: Record<string, unknown>;
      try {
        rec = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        continue;
      }
      const t = Number(rec['time']);
      if (!(t >= sinceMs)) continue;
      const { time, msg, level, pid, hostname, name, service, ...fields } = rec;
      void [time, level, pid, hostname, name, service];
      const text = `+${t - sinceMs} ${p.name}#${i} ${String(msg)} ${JSON.stringify(fields)}`;
      lines.push({ t, text: text.slice(0, 240) });
    }
  });
  lines.sort((a, b) => a.t - b.t);
  const shown = lines.slice(-max).map((l) => l.text);
  const head = lines.length > max ? [`(last ${max} of ${lines.length})`] : [];
  return [...head, ...shown].join('\n');
}
