import { conv } from '@chatfleet/store';
import { appendAudit, removeMessage, tellGateways } from '@chatfleet/store';
import type { AdminContext } from '../context.js';
import type { Output } from '../format.js';

/** What the audit keeps of a removed text: enough to know what it was. */
const AUDIT_TEXT = 300;

/**
 * Removes a message from the window, history and mailbox, tells every gateway (members
 * connected now take it off their screens), then audits it. Safe to run again.
 */
export async function remove(
  a: AdminContext,
  where: string,
  id: number,
  reason: string,
): Promise<Output> {
  const dm = where.startsWith('dm:');
  const [x = '', y = ''] = dm ? where.slice(3).split(':') : [];
  const c = dm ? conv.dm(x, y) : conv.room(where);
  const r = await removeMessage(a.store, c, id, a.config.historyMaxAgeMs);
  const m = r.original;
  const gateways = await tellGateways(a.store, {
    k: 'removed',
    conv: c,
    id,
    ...(dm ? {} : { room: where }),
    ...(m?.from !== undefined && dm ? { from: m.from } : {}),
    ...(m?.to !== undefined ? { to: m.to } : {}),
    ...(m?.toIdent !== undefined ? { toIdent: m.toIdent } : {}),
  });
  await appendAudit(a.store, {
    by: a.by,
    action: 'remove',
    target: `${where}/${id}`,
    reason,
    detail: m
      ? { from: m.from, ts: m.ts, text: m.text.slice(0, AUDIT_TEXT), mailbox: r.fromMailbox }
      : { again: true },
  });
  const what = m
    ? `<${m.from}> ${m.text.slice(0, 80)}`
    : 'it was removed before; members told again';
  return {
    lines: [`removed ${id} from ${where}: ${what} (told ${gateways} gateway(s))`],
    data: { where, id, status: r.status, from: m?.from, mailbox: r.fromMailbox, gateways },
  };
}
