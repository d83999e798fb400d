import { type ClientFrame, isMatchRoom, ProtocolError } from '@chatfleet/protocol';
import {
  appendInbox,
  conv,
  type LiveEnvelope,
  publishTyping,
  readBlocks,
  typingTarget,
} from '@chatfleet/store';
import type { SessionState } from './session-state.js';

type F<T extends ClientFrame['type']> = Extract<ClientFrame, { type: T }>;

/** A typist is relayed at most once per this long per conversation; the rest are dropped. */
export const TYPING_EVERY_MS = 2000;
/** A DM typing event older than this when it reaches the recipient's gateway is not shown. */
export const TYPING_SHOWN_MS = 5000;

/** The identities this session blocked, read once if the hello could not read them. */
async function blocksOf(s: SessionState): Promise<Set<string>> {
  s.blocks ??= await readBlocks(s.hub.store, s.ident);
  return s.blocks;
}

/**
 * `typing {room}` or `typing {to}`: relayed to the others, never stored, no reply. Quietly
 * dropped past one per TYPING_EVERY_MS, and towards anyone blocked either way.
 */
export async function onTyping(s: SessionState, f: F<'typing'>): Promise<void> {
  if (f.room !== undefined) {
    if (!s.rooms.has(f.room))
      throw isMatchRoom(f.room)
        ? new ProtocolError('not_matched', 'that match is over')
        : new ProtocolError('not_in_room', `join ${f.room} first`);
    if (!s.typingDue(`r:${f.room}`)) return;
    const hide = [...(await blocksOf(s))];
    await publishTyping(s.hub.store, conv.room(f.room), {
      k: 't',
      sid: s.sid,
      room: f.room,
      nick: s.nick ?? '',
      ident: s.ident,
      ...(hide.length > 0 ? { hide } : {}),
    });
    return;
  }
  const to = f.to ?? '';
  if (to.toLowerCase() === s.nick?.toLowerCase())
    throw new ProtocolError('forbidden', 'you cannot DM yourself');
  if (!s.typingDue(`d:${to.toLowerCase()}`)) return;
  // Nobody holds the nick: no_such_nick, as a dm gets. Held but away: nobody to show it to.
  const t = await typingTarget(s.hub.store, to, s.ident);
  if (!t) return;
  if (t.blocksMe || (await blocksOf(s)).has(t.ident)) return;
  await appendInbox(s.hub.store, t.gw, {
    k: 'typing',
    sid: t.sid,
    nick: s.nick ?? '',
    ident: s.ident,
    at: s.hub.store.clock.now(),
  });
}

/** Whether this session shows a typist to its client: never across a block, either way. */
export function showsTyping(
  s: SessionState,
  env: Pick<Extract<LiveEnvelope, { k: 't' }>, 'sid' | 'ident' | 'hide'>,
): boolean {
  if (env.sid === s.sid || s.closed) return false;
  // Blocks unknown (Redis was away at hello): shown to nobody rather than to the wrong one.
  if (s.blocks === undefined || s.blocks.has(env.ident)) return false;
  return !(env.hide?.includes(s.ident) ?? false);
}

/** A DM partner's typing, from the inbox. */
export function onDmTyping(s: SessionState, e: { nick: string; ident: string; at: number }): void {
  if (s.hub.store.clock.now() - e.at > TYPING_SHOWN_MS) return;
  if (showsTyping(s, { sid: '', ident: e.ident })) s.emit({ type: 'typing', nick: e.nick });
}
