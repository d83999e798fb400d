import type { Command } from './args.js';
import { audit } from './commands/audit.js';
import { ban, listBans, unban } from './commands/bans.js';
import { kick } from './commands/kick.js';
import { remove } from './commands/remove.js';
import { doneReport, listReports, takeReport } from './commands/reports.js';
import type { AdminContext } from './context.js';
import type { Output } from './format.js';

/** Carries out one command. Throws a ProtocolError (with a clear message) for bad input. */
export function runCommand(a: AdminContext, c: Command): Promise<Output> {
  switch (c.cmd) {
    case 'reports':
      return listReports(a, c.limit);
    case 'reports-take':
      return takeReport(a, c.count);
    case 'reports-done':
      return doneReport(a, c.id, c.note);
    case 'ban':
      return ban(a, c.target, c.forMs, c.reason);
    case 'unban':
      return unban(a, c.target);
    case 'bans':
      return listBans(a);
    case 'kick':
      return kick(a, c.nick, c.reason);
    case 'remove':
      return remove(a, c.where, c.id, c.reason);
    case 'audit':
      return audit(a, c.limit);
  }
}
