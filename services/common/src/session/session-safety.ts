import { ProtocolError } from '../protocol/errors.js';
import type { ClientFrame } from '../protocol/frames.js';
import { conv } from '../redis/keys.js';
import { readHistory } from '../store/messages.js';
import { nickIdent } from '../store/nicks.js';
import { MAX_BLOCKS, addBlock, blockCount, fileReport, removeBlock } from '../store/safety.js';
import type { Session } from './session.js';
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
}

/** Whom a block or report is about: the named nick, or your current or last stranger. */
async function target(s: Session, nick: string | undefined, verb: string): Promise<Target> {
  const stranger = s.match ?? s.lastStranger;
  const name = nick ?? stranger?.partner;
  if (name === undefined)
    throw new ProtocolError(
      'not_matched',
      `${verb} whom? You have not talked to a stranger yet: name a nick`,
    );
  if (name.toLowerCase() === s.nick?.toLowerCase())
    throw new ProtocolError('forbidden', `you cannot ${verb} yourself`);
  const ident = await nickIdent(s.hub.store, name);
  if (stranger && stranger.partner.toLowerCase() === name.toLowerCase())
    return { nick: name, ident, convId: conv.room(stranger.room), where: stranger.room };
  return { nick: name, ident, convId: conv.dm(s.ident, ident), where: 'dm' };
}

/** Blocks someone for good (see docs/protocol.md); blocking your stranger ends the chat. */
export async function onBlock(s: Session, f: F<'block'>): Promise<void> {
  const t = await target(s, f.nick, 'block');
  if ((await blockCount(s.hub.store, s.ident)) >= MAX_BLOCKS)
    throw new ProtocolError('forbidden', `you have blocked ${MAX_BLOCKS} people already`);
  await addBlock(s.hub.store, s.ident, t.ident);
  // Only the stranger you are with now: they get partner_left, you stay out of the queue.
  if (s.match && s.match.partner.toLowerCase() === t.nick.toLowerCase()) await endOwnMatch(s);
  s.emit({ type: 'blocked', nick: t.nick, ...withRef(f.ref) });
}

export async function onUnblock(s: Session, f: F<'unblock'>): Promise<void> {
  const ident = await nickIdent(s.hub.store, f.nick);
  await removeBlock(s.hub.store, s.ident, ident);
  s.emit({ type: 'unblocked', nick: f.nick, ...withRef(f.ref) });
}

/** Files a report with the conversation's last messages, for moderators to read. */
export async function onReport(s: Session, f: F<'report'>): Promise<void> {
  if (s.reportsFiled >= REPORTS_PER_SESSION)
    throw new ProtocolError('rate_limited', `at most ${REPORTS_PER_SESSION} reports a connection`);
  const t = await target(s, f.nick, 'report');
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
