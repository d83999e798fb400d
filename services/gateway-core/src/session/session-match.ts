import { type ClientFrame, ProtocolError } from '@chatfleet/protocol';
import { abandonMatch, clearAssigned, endMatch, readMatch, requestMatch } from '@chatfleet/store';
import { addressGroup } from '../limits/address.js';
import { queueFirst, releaseRoom } from '../delivery/room-delivery.js';
import type { SessionState } from './session-state.js';
import { enterRoom, exitRoom } from './room-membership.js';

type F<T extends ClientFrame['type']> = Extract<ClientFrame, { type: T }>;

/**
 * Queues the session for a stranger. `requeue` keeps its place (same request time); `update`
 * (a rename while waiting) replaces the waiting ticket in its place, if it is still waiting.
 */
export async function enqueue(
  s: SessionState,
  how: 'new' | 'requeue' | 'update' = 'new',
): Promise<void> {
  const { hub } = s;
  const ts = how === 'new' ? 0 : (s.waitingSince ?? 0);
  const ticket = {
    sid: s.sid,
    nick: s.nick ?? '',
    ident: s.ident,
    gw: hub.gw,
    tags: s.lastTags,
    ts,
    addr: addressGroup(s.address()),
  };
  s.waitingSince = await requestMatch(hub.store, ticket, hub.nextVersion(), how);
  s.waiting = true;
}

/** Ends this session's match: the partner gets partner_left through the match room. */
export async function endOwnMatch(s: SessionState): Promise<void> {
  const m = s.match;
  if (!m) return;
  s.match = undefined;
  s.lastStranger = m;
  await endMatch(s.hub.store, m.room, s.sid);
  await exitRoom(s, m.room);
}

/** Moving on from a stranger is limited: skipping through people is how random chats get abused. */
function moveOn(s: SessionState): void {
  if (!s.match) return;
  const every = s.hub.limits.nextIntervalMs;
  const wait = (s.movedOnAt ?? -Infinity) + every - Date.now();
  if (wait > 0)
    throw new ProtocolError(
      'rate_limited',
      `you can move on to another stranger once every ${every / 1000} s: try again in ${Math.ceil(wait / 1000)} s`,
    );
  s.movedOnAt = Date.now();
}

export async function onMatch(s: SessionState, f: F<'match'>): Promise<void> {
  moveOn(s);
  await endOwnMatch(s);
  s.lastTags = f.tags;
  await enqueue(s);
  s.emit({ type: 'waiting', tags: s.lastTags, ...(f.ref !== undefined ? { ref: f.ref } : {}) });
}

export async function onNext(s: SessionState, f: F<'next'>): Promise<void> {
  if (!s.match && !s.waiting)
    throw new ProtocolError('not_matched', 'you are not matched with anyone: send match first');
  if (s.match) {
    moveOn(s);
    await endOwnMatch(s);
    await enqueue(s);
  }
  s.emit({ type: 'waiting', tags: s.lastTags, ...(f.ref !== undefined ? { ref: f.ref } : {}) });
}

/**
 * The matchmaker paired this session (through the inbox, or found by the gateway's reconcile).
 * A match nobody can use any more is ended at once, and the partner is queued again; a
 * repeated or late `matched` for a room already handled is ignored.
 */
export async function onMatched(
  s: SessionState,
  room: string,
  partner: string,
  tags: string[],
  partnerIdent?: string,
): Promise<void> {
  const { store } = s.hub;
  if (s.match?.room === room || s.pastMatches.has(room))
    return clearAssigned(store, s.sid, room).catch(() => undefined);
  if (s.closed || !s.waiting || s.match) {
    return abandonMatch(store, room, s.sid);
  }
  s.pastMatches.add(room);
  if (s.pastMatches.size > 50) s.pastMatches.delete(s.pastMatches.values().next().value ?? '');
  s.waiting = false;
  const stranger = { room, partner, ...(partnerIdent ? { partnerIdent } : {}) };
  s.match = stranger;
  let joined;
  try {
    joined = await enterRoom(s, room);
  } catch (err) {
    // Still waiting as far as anyone can tell: the reconcile retries while the match stands.
    s.match = undefined;
    s.waiting = true;
    s.pastMatches.delete(room);
    throw err;
  }
  if (!(await readMatch(store, room))) {
    // The partner left before we got here: stay in the queue instead of showing a dead match.
    s.match = undefined;
    await exitRoom(s, room);
    await enqueue(s, 'requeue');
    return clearAssigned(store, s.sid, room);
  }
  // A partner who renamed after asking (or before we got here) is in the room by the new nick;
  // one who enters later is announced by its presence (strangerRenamed).
  const there = joined.entries.find((e) => e.sid !== s.sid);
  if (there) stranger.partner = there.nick;
  s.meet(stranger);
  s.emit({ type: 'matched', room, partner: stranger.partner, tags });
  // Whatever the partner said before we entered comes right after `matched`.
  const st = s.rooms.get(room);
  if (st) queueFirst(st, joined.history);
  releaseRoom(s, room);
  await clearAssigned(store, s.sid, room).catch(() => undefined);
}

/** The partner ended the match; `gone` means they never got it, so we queue again. */
export async function onPartnerEnd(
  s: SessionState,
  room: string,
  bySid: string,
  why?: 'gone',
): Promise<void> {
  if (bySid === s.sid || s.match?.room !== room) return;
  s.lastStranger = s.match;
  s.match = undefined;
  if (why === 'gone') s.waiting = true; // text mode must not queue a second time
  s.emit({ type: 'partner_left', room });
  await exitRoom(s, room);
  if (why !== 'gone') return;
  await enqueue(s, 'requeue');
  s.emit({ type: 'waiting', tags: s.lastTags });
}
