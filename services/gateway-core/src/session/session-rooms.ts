import {
  type ClientFrame,
  isMatchRoom,
  ProtocolError,
  type StoredMessage,
  toFrame,
  toMessageFrame,
} from '@chatfleet/protocol';
import {
  conv,
  isRoomLocked,
  type JoinResult,
  LockRefused,
  nickIdent,
  planRoomLock,
  readHistory,
  readMatch,
  refundPasswordAttempt,
  reservePasswordAttempt,
  roomExists,
} from '@chatfleet/store';
import { byAddress, charge, chargeText } from './budgets.js';
import { endOwnMatch } from './session-match.js';
import { enterRoom, exitRoom } from './room-membership.js';
import { ackOwnMessage, afterJoinReply, releaseRoom } from '../delivery/room-delivery.js';
import type { SessionState } from './session-state.js';

type F<T extends ClientFrame['type']> = Extract<ClientFrame, { type: T }>;

export const withRef = (ref: string | undefined) => (ref !== undefined ? { ref } : {});

// A reply with history stays under this size; the rest follows as paced `message` frames.
const HISTORY_CHUNK_BYTES = 64 * 1024;

export async function onJoin(s: SessionState, f: F<'join'>): Promise<void> {
  if (s.rooms.has(f.room)) {
    // Already in: nothing was missed here, but the epoch still lets the client rejoin later.
    const [members, pos] = await Promise.all([
      s.hub.presence.members(f.room),
      s.hub.broker.position(conv.room(f.room)),
    ]);
    return s.emit({
      type: 'joined',
      room: f.room,
      members,
      history: [],
      ...(pos.epoch ? { epoch: pos.epoch } : {}),
      ...withRef(f.ref),
    });
  }
  if (isMatchRoom(f.room)) {
    const rec = await readMatch(s.hub.store, f.room);
    const lc = s.nick?.toLowerCase();
    // The two identities, so a rename keeps the room and the freed nick never opens it; a
    // record without them (an older matchmaker) falls back to the nicks.
    const ours = rec?.ia !== undefined ? [rec.ia, rec.ib] : [rec?.a, rec?.b];
    if (!rec || !ours.includes(rec.ia !== undefined ? s.ident : lc))
      throw new ProtocolError('forbidden', 'match rooms are only for the two who were matched');
  } else {
    const count = [...s.rooms.keys()].filter((r) => !isMatchRoom(r)).length;
    if (count >= s.hub.limits.maxRooms)
      throw new ProtocolError('forbidden', `you can be in at most ${s.hub.limits.maxRooms} rooms`);
    // Opening a room makes Redis keep it (its position, window and history) for 30 idle days.
    if (!(await roomExists(s.hub.store, f.room)))
      await charge(s, 'rooms', [byAddress(s)], 'too many new rooms from your address');
  }
  const res = await joinLocked(s, f);
  const { now, later } = partHistory(res.history);
  const st = s.rooms.get(f.room);
  if (st) afterJoinReply(st, now, later);
  s.emit({
    type: 'joined',
    room: f.room,
    members: res.members,
    history: now.map(toMessageFrame),
    epoch: res.epoch,
    ...(res.recovered !== undefined ? { recovered: res.recovered } : {}),
    ...(later.length > 0 ? { more: later.length } : {}),
    ...withRef(f.ref),
  });
  releaseRoom(s, f.room);
}

/**
 * Checks the password, then joins holding the join script to what was checked: a lock set or
 * changed in between makes the script refuse, and the check runs once more against it.
 */
async function joinLocked(s: SessionState, f: F<'join'>): Promise<JoinResult> {
  const { store, limits } = s.hub;
  const address = s.address();
  // A guess is counted before it is hashed; a right one is given back.
  const guessing = f.password !== undefined && !isMatchRoom(f.room);
  if (guessing) {
    const wait = await reservePasswordAttempt(store, f.room, address, limits);
    if (wait > 0)
      throw new ProtocolError(
        'rate_limited',
        `too many wrong passwords: try again in ${Math.ceil(wait / 1000)} s`,
      );
  }
  for (let attempt = 0; ; attempt++) {
    const plan = await planRoomLock(store, f.room, f.password, s.hub.hashing);
    if (plan === 'denied') {
      if (f.password === undefined)
        throw new ProtocolError('wrong_password', 'this room is locked: it needs a password');
      throw new ProtocolError('wrong_password', 'wrong password');
    }
    if (guessing && attempt === 0) await refundPasswordAttempt(store, f.room, address);
    try {
      return await enterRoom(s, f.room, f.since, f.epoch, plan);
    } catch (err) {
      if (!(err instanceof LockRefused)) throw err;
      if (err.why === 'occupied')
        throw new ProtocolError(
          'forbidden',
          'this room already has members: only the first member of a new room can set its password (join without one)',
        );
      if (attempt >= 2) throw new ProtocolError('unavailable', 'the room is changing, try again');
    }
  }
}

/**
 * The oldest part of a history that fits in one reply (at least one message), and the rest,
 * which follows as paced `message` frames: a long history never makes the client look slow.
 */
function partHistory(history: StoredMessage[]): {
  now: StoredMessage[];
  later: StoredMessage[];
} {
  let bytes = 0;
  let n = 0;
  for (const m of history) {
    bytes += m.text.length * 3 + 160;
    if (n > 0 && bytes > HISTORY_CHUNK_BYTES) break;
    n++;
  }
  return { now: history.slice(0, n), later: history.slice(n) };
}

export async function onLeave(s: SessionState, f: F<'leave'>): Promise<void> {
  if (!s.rooms.has(f.room)) throw new ProtocolError('not_in_room', `you are not in ${f.room}`);
  if (s.match?.room === f.room) {
    await endOwnMatch(s);
  } else {
    await exitRoom(s, f.room);
  }
  s.emit({ type: 'left', room: f.room, ...withRef(f.ref) });
}

export async function onSay(s: SessionState, f: F<'say'>): Promise<void> {
  const st = s.rooms.get(f.room);
  if (!st) {
    throw isMatchRoom(f.room)
      ? new ProtocolError('not_matched', 'that match is over')
      : new ProtocolError('not_in_room', `join ${f.room} first`);
  }
  // No direct reply: this session's own copy of the message, in id order, is the ack.
  chargeText(s, f.text);
  if (f.ref !== undefined) s.openRef(f.ref);
  let m: StoredMessage;
  try {
    const c = conv.room(f.room);
    const seen = s.hub.seen(c);
    m = await s.hub.broker.publish({
      conv: c,
      room: f.room,
      ...(seen ? { seen } : {}),
      from: s.nick ?? '',
      text: f.text,
      publish: true,
      sid: s.sid,
      ...withRef(f.ref),
    });
  } catch (err) {
    // The error is the reply; a copy that still arrives later goes out without the ref.
    if (f.ref !== undefined) s.closeRef(f.ref);
    throw err;
  }
  if (f.ref === undefined || !s.hasOpenRef(f.ref)) return;
  ackOwnMessage(s, st, m, f.ref);
}

export async function onWho(s: SessionState, f: F<'who'>): Promise<void> {
  if (!s.rooms.has(f.room) && (isMatchRoom(f.room) || (await isRoomLocked(s.hub.store, f.room)))) {
    throw new ProtocolError('forbidden', `${f.room} is private`);
  }
  s.emit({
    type: 'members',
    room: f.room,
    nicks: await s.hub.presence.members(f.room),
    ...withRef(f.ref),
  });
}

export async function onRooms(s: SessionState, f: F<'rooms'>): Promise<void> {
  s.emit({ type: 'rooms', rooms: await s.hub.roomList(), ...withRef(f.ref) });
}

export async function onHistory(s: SessionState, f: F<'history'>): Promise<void> {
  const range = { before: f.before, after: f.after };
  if (f.room !== undefined) {
    if (!s.rooms.has(f.room))
      throw new ProtocolError('not_in_room', `join ${f.room} to read its history`);
    const msgs = await readHistory(s.hub.store, conv.room(f.room), range, f.limit);
    return s.emit({
      type: 'history',
      room: f.room,
      messages: msgs.map(toFrame),
      ...withRef(f.ref),
    });
  }
  const peer = f.with ?? '';
  // A DM conversation is between two identities: whoever holds the nick now, and you.
  const ident = await nickIdent(s.hub.store, peer);
  const msgs = await readHistory(s.hub.store, conv.dm(s.ident, ident), range, f.limit);
  s.emit({ type: 'history', with: peer, messages: msgs.map(toFrame), ...withRef(f.ref) });
}
