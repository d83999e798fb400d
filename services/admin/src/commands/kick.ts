import { ProtocolError } from '@chatfleet/protocol';
import { appendAudit, appendInbox, nickHolder } from '@chatfleet/store';
import type { AdminContext } from '../context.js';
import type { Output } from '../format.js';

/** Ends the connection holding NICK, wherever it is; they may come back (a ban keeps them out). */
export async function kick(a: AdminContext, nick: string, reason: string): Promise<Output> {
  const { store } = a;
  const { ident, gw, sid } = await nickHolder(store, nick);
  if (!gw || !sid) throw new ProtocolError('no_such_nick', `${nick} is not connected now`);
  await appendInbox(store, gw, {
    k: 'kick',
    sid,
    reason: 'kicked',
    ...(reason ? { message: reason } : {}),
  });
  await appendAudit(store, { by: a.by, action: 'kick', target: nick, reason, detail: { ident } });
  return { lines: [`kicked ${nick} (identity ${ident})`], data: { nick, ident, gateway: gw } };
}
