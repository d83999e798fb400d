import { appendAudit, finishReport, openReports, takeReports } from '@chatfleet/store';
import type { AdminContext } from '../context.js';
import { type Output, reportLines, reportWhere } from '../format.js';

export async function listReports(a: AdminContext, limit: number): Promise<Output> {
  const reports = await openReports(a.store, limit);
  const now = a.store.clock.now();
  return {
    lines:
      reports.length === 0
        ? ['no open reports']
        : [
            `${reports.length} open report(s), oldest first:`,
            ...reports.flatMap((r) => reportLines(r, now)),
          ],
    data: reports.map((r) => ({ ...r, conversation: reportWhere(r) })),
  };
}

export async function takeReport(a: AdminContext, count: number): Promise<Output> {
  const reports = await takeReports(a.store, a.by, count, a.config.reportStaleMs);
  for (const r of reports)
    await appendAudit(a.store, { by: a.by, action: 'report-take', target: r.id, reason: '' });
  const now = a.store.clock.now();
  return {
    lines:
      reports.length === 0
        ? ['no open report is waiting']
        : [
            `yours now (close each with: reports done ID --note …):`,
            ...reports.flatMap((r) => reportLines(r, now)),
          ],
    data: reports.map((r) => ({ ...r, conversation: reportWhere(r) })),
  };
}

export async function doneReport(a: AdminContext, id: string, note: string): Promise<Output> {
  const r = await finishReport(a.store, id);
  await appendAudit(a.store, {
    by: a.by,
    action: 'report-done',
    target: id,
    reason: note,
    detail: { nick: r.nick, ident: r.ident, where: r.where },
  });
  return { lines: [`report ${id} done`], data: { id, done: true, note } };
}
