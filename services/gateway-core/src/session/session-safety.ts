import { type ClientFrame, ProtocolError } from '@chatfleet/protocol';
import {
  addBlock,
  blockCount,
  conv,
  fileReport,
  MAX_BLOCKS,
  nickIdent,
  readHistory,
  removeBlock,
} from '@chatfleet/store';
import type { SessionState, Stranger } from './session-state.js';
import { byAddress, charge } from './budgets.js';
import { endOwnMatch } from './session-match.js';
import { withRef } from './session-rooms.js';

type F<T extends ClientFrame['type']> = Extract<ClientFrame, { type: T }>;

/** How many messages of the conversation go with a report. */
const REPORT_CONTEXT = 20;
/** Reports one connection may file: enough for any real use, not a way to flood moderators. */
const REPORTS_PER_SESSION = 20;

interface Target {
  nick: string;
  ident: string;
  /** The conversation with them: the match room (current or last), else the DM. */
  convId: string;
  where: string;
  /** Set when they are (or were) this session's stranger. */
  stranger?: Stranger;
}

/** A stranger as a target: who they are now, whatever nick they were matched under. */
async function asStranger(s: SessionState, st: Stranger, nick = st.partner): Promise<Target> {
  const ident = st.partnerIdent ?? (await nickIdent(s.hub.store, st.partner));
  return { nick, ident, convId: conv.room(st.room), where: st.room, stranger: st };
}

/**
 * Whom a block or report is about: the stranger of a match room (`room`), the named nick, or
 * your current or last stranger. A stranger is an identity: named by the nick you know them
 * by, or by the nick they took since, it is still them, and the match room is the context.
 */
async function target(
  s: SessionState,
  f: { nick?: string; room?: string },
  verb: string,
): Promise<Target> {
  if (f.room !== undefined) {
    const st = s.strangerIn(f.room);
    if (!st)
      throw new ProtocolError('not_matched', `you had no stranger in ${f.room}: name a nick`);
    return asStranger(s, st);
  }
  const strangers = [s.match, s.lastStranger].filter((x): x is Stranger => x !== undefined);
  if (f.nick === undefined) {
    if (strangers[0] === undefined)
      throw new ProtocolError(
        'not_matched',
        `${verb} whom? You have not talked to a stranger yet: name a nick`,
      );
    return asStranger(s, strangers[0]);
  }
  const lc = f.nick.toLowerCase();
  if (lc === s.nick?.toLowerCase())
    throw new ProtocolError('forbidden', `you cannot ${verb} yourself`);
  const known = strangers.find((st) => st.partner.toLowerCase() === lc);
  if (known) return asStranger(s, known);
  const ident = await nickIdent(s.hub.store, f.nick);
  if (ident === s.ident) throw new ProtocolError('forbidden', `you cannot ${verb} yourself`);
  const renamed = strangers.find((st) => st.partnerIdent === ident);
  if (renamed) return asStranger(s, renamed, f.nick);
  return { nick: f.nick, ident, convId: conv.dm(s.ident, ident), where: 'dm' };
}

/** Blocks someone for good (see docs/protocol.md); blocking your stranger ends the chat. */
export async function onBlock(s: SessionState, f: F<'block'>): Promise<void> {
  const t = await target(s, f, 'block');
  if ((await blockCount(s.hub.store, s.ident)) >= MAX_BLOCKS)
    throw new ProtocolError('forbidden', `you have blocked ${MAX_BLOCKS} people already`);
  await addBlock(s.hub.store, s.ident, t.ident);
  s.blocks?.add(t.ident);
  // Only the stranger you are with now: they get partner_left, you stay out of the queue.
  const m = s.match;
  if (m && (t.stranger === m || (m.partnerIdent !== undefined && m.partnerIdent === t.ident)))
    await endOwnMatch(s);
  s.emit({ type: 'blocked', nick: t.nick, ...withRef(f.ref) });
}

export async function onUnblock(s: SessionState, f: F<'unblock'>): Promise<void> {
  const ident = await nickIdent(s.hub.store, f.nick);
  await removeBlock(s.hub.store, s.ident, ident);
  s.blocks?.delete(ident);
  s.emit({ type: 'unblocked', nick: f.nick, ...withRef(f.ref) });
}

/** Files a report with the conversation's last messages, for moderators to read. */
export async function onReport(s: SessionState, f: F<'report'>): Promise<void> {
  if (s.reportsFiled >= REPORTS_PER_SESSION)
    throw new ProtocolError('rate_limited', `at most ${REPORTS_PER_SESSION} reports a connection`);
  const t = await target(s, f, 'report');
  await charge(s, 'reports', [byAddress(s)], 'too many reports from your address');
  const messages = await readHistory(s.hub.store, t.convId, {}, REPORT_CONTEXT);
  await fileReport(s.hub.store, {
    by: s.nick ?? '',
    byIdent: s.ident,
    nick: t.nick,
    ident: t.ident,
    where: t.where,
    reason: f.reason ?? '',
    messages,
  });
  s.reportsFiled++;
  s.hub.metrics.reports.inc();
  s.emit({ type: 'reported', nick: t.nick, ...withRef(f.ref) });
}
