// CPU time and memory of a process from /proc (Linux), so every contender is measured the same
// way whatever it exposes itself.
import { readFileSync } from 'node:fs';
import { clearInterval, setInterval } from 'node:timers';

const TICK = 100; // USER_HZ: clock ticks per second on Linux

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / TICK;
}

/** Resident memory (bytes) now. */
export function rssBytes(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) * 1024;
}

/** Samples the RSS of some processes every `ms` until stopped; keeps each one's peak. */
export function watchRss(pids, ms = 250) {
  const peak = new Map(pids.map((p) => [p, rssBytes(p)]));
  const timer = setInterval(() => {
    for (const p of pids) peak.set(p, Math.max(peak.get(p) ?? 0, rssBytes(p)));
  }, ms);
  return {
    stop() {
      clearInterval(timer);
      return peak;
    },
  };
}
