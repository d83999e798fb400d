import { ProtocolError } from '../protocol/errors.js';
import type { ClientFrame } from '../protocol/frames.js';
import { endMatch, readMatch, requestMatch } from '../store/matches.js';
import type { Session } from './session.js';
import { enterRoom, exitRoom, flushRoom } from './session-rooms.js';

type F<T extends ClientFrame['type']> = Extract<ClientFrame, { type: T }>;

/** Queues the session for a stranger; `again` keeps its place (same request time). */
export async function enqueue(s: Session, again = false): Promise<void> {
  const { hub } = s;
  const ts = again && s.waitingSince !== undefined ? s.waitingSince : Date.now();
  await requestMatch(
    hub.store,
    { sid: s.sid, nick: s.nick ?? '', gw: hub.gw, tags: s.lastTags, ts },
    hub.nextVersion(),
  );
  s.waiting = true;
  s.waitingSince = ts;
}

/** Ends this session's match: the partner gets partner_left through the match room. */
export async function endOwnMatch(s: Session): Promise<void> {
  const m = s.match;
  if (!m) return;
  s.match = undefined;
  await endMatch(s.hub.store, m.room, s.sid);
  await exitRoom(s, m.room);
}

export async function onMatch(s: Session, f: F<'match'>): Promise<void> {
  await endOwnMatch(s);
  s.lastTags = f.tags;
  await enqueue(s);
  s.emit({ type: 'waiting', tags: s.lastTags, ...(f.ref !== undefined ? { ref: f.ref } : {}) });
}

export async function onNext(s: Session, f: F<'next'>): Promise<void> {
  if (!s.match && !s.waiting)
    throw new ProtocolError('not_matched', 'you are not matched with anyone: send match first');
  if (s.match) {
    await endOwnMatch(s);
    await enqueue(s);
  }
  s.emit({ type: 'waiting', tags: s.lastTags, ...(f.ref !== undefined ? { ref: f.ref } : {}) });
}

/** The matchmaker paired this session. A match nobody can use any more is ended at once. */
export async function onMatched(
  s: Session,
  room: string,
  partner: string,
  tags: string[],
): Promise<void> {
  if (s.closed || !s.waiting || s.match) {
    if (s.match?.room !== room) await endMatch(s.hub.store, room, s.sid);
    return;
  }
  s.waiting = false;
  s.match = { room, partner };
  try {
    await enterRoom(s, room);
  } catch (err) {
    s.match = undefined;
    await endMatch(s.hub.store, room, s.sid).catch(() => undefined);
    throw err;
  }
  if (!(await readMatch(s.hub.store, room))) {
    // The partner left before we got here: stay in the queue instead of showing a dead match.
    s.match = undefined;
    await exitRoom(s, room);
    await enqueue(s);
    return;
  }
  s.emit({ type: 'matched', room, partner, tags });
  flushRoom(s, room);
}

export async function onPartnerEnd(s: Session, room: string, bySid: string): Promise<void> {
  if (bySid === s.sid || s.match?.room !== room) return;
  s.match = undefined;
  s.emit({ type: 'partner_left', room });
  await exitRoom(s, room);
}
