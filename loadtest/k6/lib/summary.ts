import { str } from './config.ts';

interface MetricSummary {
  type: string;
  values: Record<string, number>;
  thresholds?: Record<string, { ok: boolean }>;
}
interface SummaryData {
  metrics: Record<string, MetricSummary>;
}

const fmt = (m: MetricSummary): string =>
  Object.entries(m.values)
    .map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toFixed(m.type === 'rate' ? 4 : 2)}`)
    .join(' ');

/**
 * The end-of-test summary: every chat_* metric and every threshold on stdout, and the whole
 * summary as JSON under RESULTS_DIR (loadtest/results by default) for comparing runs.
 */
export function summarize(script: string, data: SummaryData): Record<string, string> {
  const lines = [`\n${script}: results`];
  for (const [name, m] of Object.entries(data.metrics).sort()) {
    const failed = Object.entries(m.thresholds ?? {}).filter(([, t]) => !t.ok);
    if (!name.startsWith('chat_') && !m.thresholds) continue;
    const mark = m.thresholds ? (failed.length ? '✗' : '✓') : ' ';
    lines.push(`  ${mark} ${name}: ${fmt(m)}`);
    for (const [expr] of failed) lines.push(`      threshold failed: ${expr}`);
  }
  const dir = str('RESULTS_DIR', 'loadtest/results');
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return {
    stdout: `${lines.join('\n')}\n`,
    [`${dir}/${script}-${stamp}.json`]: JSON.stringify(data, null, 2),
  };
}
