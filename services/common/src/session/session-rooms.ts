import { ProtocolError } from '../protocol/errors.js';
import {
  toFrame,
  toMessageFrame,
  type ClientFrame,
  type StoredMessage,
} from '../protocol/frames.js';
import { isMatchRoom } from '../protocol/names.js';
import { conv } from '../redis/keys.js';
import { readMatch } from '../store/matches.js';
import { readHistory, readSince, sendMessage } from '../store/messages.js';
import {
  checkRoomPassword,
  isRoomLocked,
  joinRoom,
  leaveRoom,
  listRooms,
  roomMembers,
} from '../store/rooms.js';
import type { LiveEnvelope } from './envelopes.js';
import { endOwnMatch, onPartnerEnd } from './session-match.js';
import type { Session } from './session.js';

type F<T extends ClientFrame['type']> = Extract<ClientFrame, { type: T }>;

export interface RoomState {
  /** Highest message id delivered: anything at or below it is a duplicate. */
  lastId: number;
  /** While joining, live events wait here until the history is out. */
  buffer: LiveEnvelope[] | undefined;
}

const withRef = (ref: string | undefined) => (ref !== undefined ? { ref } : {});

/** Delivers one live event, dropping duplicates and holding events back while joining. */
export function onLive(s: Session, env: LiveEnvelope): void {
  const room = env.k === 'm' ? env.m.room : env.room;
  const st = room !== undefined ? s.rooms.get(room) : undefined;
  if (!st) return;
  if (st.buffer) {
    st.buffer.push(env);
    return;
  }
  if (env.k === 'm') {
    if (env.m.id <= st.lastId) return;
    st.lastId = env.m.id;
    s.hub.metrics.delivery.observe({ kind: 'room' }, Math.max(0, Date.now() - env.m.ts) / 1000);
    const frame = env.frame ?? toMessageFrame(env.m);
    if (env.sid === s.sid && env.ref !== undefined) s.emit({ ...frame, ref: env.ref });
    else s.emit(frame, env.json);
  } else if (env.k === 'p' && env.sid !== s.sid && !isMatchRoom(env.room)) {
    s.emit({
      type: 'presence',
      room: env.room,
      nick: env.nick,
      event: env.event,
      count: env.count,
    });
  }
}

/** Subscribes first, then reads members and history, then lets held-back live events through. */
export async function enterRoom(
  s: Session,
  room: string,
  since?: number,
): Promise<{ members: string[]; history: StoredMessage[] }> {
  const st: RoomState = { lastId: 0, buffer: [] };
  s.rooms.set(room, st);
  try {
    await s.hub.subscribe(conv.room(room), s.sid);
    const res = await joinRoom(s.hub.store, room, s.nick ?? '', s.sid, since);
    st.lastId = res.history.reduce((max, m) => Math.max(max, m.id), 0);
    if (!isMatchRoom(room)) s.joinOrder.push(room);
    await s.saveState();
    return res;
  } catch (err) {
    s.rooms.delete(room);
    await s.hub.unsubscribe(conv.room(room), s.sid);
    throw err;
  }
}

/** Releases the live events held back during a join, after the reply to the join. */
export function flushRoom(s: Session, room: string): void {
  const st = s.rooms.get(room);
  const held = st?.buffer ?? [];
  if (st) st.buffer = undefined;
  for (const env of held) onLive(s, env);
}

export async function exitRoom(s: Session, room: string): Promise<void> {
  s.rooms.delete(room);
  const i = s.joinOrder.indexOf(room);
  if (i >= 0) s.joinOrder.splice(i, 1);
  await s.hub.unsubscribe(conv.room(room), s.sid);
  await leaveRoom(s.hub.store, room, s.nick ?? '', s.sid);
  await s.saveState();
}

export async function onJoin(s: Session, f: F<'join'>): Promise<void> {
  if (s.rooms.has(f.room)) {
    const members = await roomMembers(s.hub.store, f.room);
    return s.emit({ type: 'joined', room: f.room, members, history: [], ...withRef(f.ref) });
  }
  if (isMatchRoom(f.room)) {
    const rec = await readMatch(s.hub.store, f.room);
    const lc = s.nick?.toLowerCase();
    if (!rec || (rec.a !== lc && rec.b !== lc))
      throw new ProtocolError('forbidden', 'match rooms are only for the two who were matched');
  } else {
    const count = [...s.rooms.keys()].filter((r) => !isMatchRoom(r)).length;
    if (count >= s.hub.limits.maxRooms)
      throw new ProtocolError('forbidden', `you can be in at most ${s.hub.limits.maxRooms} rooms`);
    if (!(await checkRoomPassword(s.hub.store, f.room, f.password))) {
      throw new ProtocolError(
        'wrong_password',
        f.password === undefined ? 'this room is locked: it needs a password' : 'wrong password',
      );
    }
  }
  const { members, history } = await enterRoom(s, f.room, f.since);
  s.emit({
    type: 'joined',
    room: f.room,
    members,
    history: history.map(toMessageFrame),
    ...withRef(f.ref),
  });
  flushRoom(s, f.room);
}

export async function onLeave(s: Session, f: F<'leave'>): Promise<void> {
  if (!s.rooms.has(f.room)) throw new ProtocolError('not_in_room', `you are not in ${f.room}`);
  if (s.match?.room === f.room) {
    await endOwnMatch(s);
  } else {
    await exitRoom(s, f.room);
  }
  s.emit({ type: 'left', room: f.room, ...withRef(f.ref) });
}

export async function onSay(s: Session, f: F<'say'>): Promise<void> {
  const st = s.rooms.get(f.room);
  if (!st) {
    throw isMatchRoom(f.room)
      ? new ProtocolError('not_matched', 'that match is over')
      : new ProtocolError('not_in_room', `join ${f.room} first`);
  }
  // No direct reply: the copy on the live channel, in id order, is the acknowledgement.
  await sendMessage(s.hub.store, {
    conv: conv.room(f.room),
    room: f.room,
    from: s.nick ?? '',
    text: f.text,
    publish: true,
    sid: s.sid,
    ...withRef(f.ref),
  });
}

export async function onWho(s: Session, f: F<'who'>): Promise<void> {
  if (!s.rooms.has(f.room) && (isMatchRoom(f.room) || (await isRoomLocked(s.hub.store, f.room)))) {
    throw new ProtocolError('forbidden', `${f.room} is private`);
  }
  s.emit({
    type: 'members',
    room: f.room,
    nicks: await roomMembers(s.hub.store, f.room),
    ...withRef(f.ref),
  });
}

export async function onRooms(s: Session, f: F<'rooms'>): Promise<void> {
  s.emit({ type: 'rooms', rooms: await listRooms(s.hub.store), ...withRef(f.ref) });
}

export async function onHistory(s: Session, f: F<'history'>): Promise<void> {
  if (f.room !== undefined) {
    if (!s.rooms.has(f.room))
      throw new ProtocolError('not_in_room', `join ${f.room} to read its history`);
    const msgs = await readHistory(s.hub.store, conv.room(f.room), f.before, f.limit);
    return s.emit({
      type: 'history',
      room: f.room,
      messages: msgs.map(toFrame),
      ...withRef(f.ref),
    });
  }
  const peer = f.with ?? '';
  const msgs = await readHistory(s.hub.store, conv.dm(s.nick ?? '', peer), f.before, f.limit);
  s.emit({ type: 'history', with: peer, messages: msgs.map(toFrame), ...withRef(f.ref) });
}

/**
 * After a lost subscription, fetches what each room missed (duplicates are dropped by id), and
 * notices a match that ended while the end message could not reach us.
 */
export async function resyncRooms(s: Session): Promise<void> {
  if (s.match && !(await readMatch(s.hub.store, s.match.room)))
    await onPartnerEnd(s, s.match.room, '');
  for (const [room, st] of s.rooms) {
    if (st.buffer) continue;
    const missed = await readSince(
      s.hub.store,
      conv.room(room),
      st.lastId,
      s.hub.store.limits.recentMax,
    );
    for (const m of missed) onLive(s, { k: 'm', sid: '', m });
  }
}
