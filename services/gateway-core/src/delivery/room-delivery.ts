import { isMatchRoom, type StoredMessage, toMessageFrame } from '@chatfleet/protocol';
import type { LiveEnvelope } from '@chatfleet/store';
import type { SessionState } from '../session/session-state.js';
import { type RoomState } from './room-state.js';
import { showsTyping } from '../session/session-typing.js';

/**
 * What holding a live event costs, about. History, catch-up and gap notices (made by this
 * gateway, sid '') cost nothing here: the recovery window bounds them, and they go out paced.
 */
function heldBytes(env: LiveEnvelope): number {
  if (env.sid === '') return 0;
  if (env.k !== 'm') return 128;
  return env.wire ? env.wire.json.length : env.m.text.length * 3 + 192;
}

/**
 * Holds a live event for a client that is behind. Past maxPacedBytes across its rooms the
 * client is disconnected as slow: a reader that takes a little now and then must not make
 * the gateway hold a flooded room for it without bound.
 */
function hold(s: SessionState, st: RoomState, env: LiveEnvelope): void {
  (st.buffer ??= []).push(env);
  st.bufferBytes += heldBytes(env);
  let total = 0;
  for (const r of s.rooms.values()) total += r.bufferBytes;
  if (total > s.hub.limits.maxPacedBytes) s.dropSlow('paced output past MAX_BACKLOG_BYTES');
}

/** The highest message id this session was sent in the room, by either path. */
export const delivered = (st: RoomState): number =>
  st.topic ? Math.max(st.lastId, st.topic.lastId) : st.lastId;

export const asEnvelope = (m: StoredMessage): LiveEnvelope => ({ k: 'm', sid: '', m });

/**
 * A live event for one of this session's rooms. Goes out at once unless the room is holding
 * back (joining, catching up) or the client is behind; then it waits its turn in the buffer.
 */
export function onLive(s: SessionState, env: LiveEnvelope): void {
  const room = env.k === 'm' ? env.m.room : env.room;
  const st = room !== undefined ? s.rooms.get(room) : undefined;
  if (!st || room === undefined) return;
  if (env.k === 't') {
    // Typing is of the moment: a client that is behind, or a room still held back, skips it.
    if (!st.buffer && s.backlog() <= s.hub.limits.paceBytes && showsTyping(s, env))
      s.emit({ type: 'typing', room, nick: env.nick });
    return;
  }
  if (st.buffer) {
    hold(s, st, env);
    return;
  }
  if (s.backlog() > s.hub.limits.paceBytes) {
    if (st.topic) s.hub.topics?.exit(s, room);
    hold(s, st, env);
    drainRoom(s, room, st);
    return;
  }
  deliverNow(s, st, env);
  if (!st.topic) s.hub.topics?.enter(s, room, st);
}

/** Ends the join's hold: what waited goes out, paced. */
export function releaseRoom(s: SessionState, room: string): void {
  const st = s.rooms.get(room);
  if (!st) return;
  st.joining = false;
  drainRoom(s, room, st);
}

/**
 * The join's reply carries `shown` (its history); `later` follows it as ordinary frames, ahead
 * of the live events waiting in the room's buffer.
 */
export function afterJoinReply(st: RoomState, shown: StoredMessage[], later: StoredMessage[]) {
  st.lastId = shown.reduce((max, m) => Math.max(max, m.id), 0);
  queueFirst(st, later);
}

/** Puts messages at the head of the room's queue (history that did not fit in a reply). */
export function queueFirst(st: RoomState, msgs: StoredMessage[]): void {
  st.buffer = [...msgs.map(asEnvelope), ...(st.buffer ?? [])];
}

/** Sends a room's buffer in order, waiting for the client to read whenever it is behind. */
export function drainRoom(s: SessionState, room: string, st: RoomState): void {
  if (st.draining || st.joining || !st.buffer) return;
  st.draining = true;
  void (async () => {
    try {
      let i = 0;
      while (st.buffer && i < st.buffer.length) {
        if (s.closed || s.rooms.get(room) !== st) return;
        if (s.backlog() > s.hub.limits.paceBytes) {
          if (!(await s.readerKeepsUp())) return;
          continue;
        }
        const env = st.buffer[i++];
        if (env) {
          st.bufferBytes -= heldBytes(env);
          deliverNow(s, st, env);
        }
        if (i > 1024) {
          st.buffer = st.buffer.slice(i);
          i = 0;
        }
      }
      st.buffer = undefined;
      st.bufferBytes = 0;
      st.draining = false;
      s.hub.topics?.enter(s, room, st);
    } finally {
      st.draining = false;
    }
  })();
}

function deliverNow(s: SessionState, st: RoomState, env: LiveEnvelope): void {
  if (env.k === 'm') {
    if (env.m.id <= st.lastId) return;
    st.lastId = env.m.id;
    s.hub.metrics.roomDelivery.observe(Math.max(0, s.hub.store.clock.now() - env.m.ts) / 1000);
    const frame = env.frame ?? toMessageFrame(env.m);
    const ref = takeAck(s, st, env);
    if (ref !== undefined) s.emit({ ...frame, ref });
    else s.emit(frame, env.wire);
  } else if (env.k === 'gap') {
    s.hub.metrics.recoveryNotices.inc();
    s.emit({
      type: 'resync',
      room: env.room,
      recovered: false,
      epoch: env.epoch,
      since: delivered(st),
    });
  } else if (env.k === 'p' && env.sid !== s.sid && isMatchRoom(env.room)) {
    // Only the two matched are ever in a match room: the other one entered, perhaps renamed.
    if (env.event === 'join') s.strangerRenamed(env.room, env.nick);
  } else if (env.k === 'p' && env.sid !== s.sid) {
    s.emit({
      type: 'presence',
      room: env.room,
      nick: env.nick,
      event: env.event,
      count: env.count,
    });
  } else if (env.k === 'end') {
    s.partnerEnded(env.room, env.sid, env.why);
  } else if (env.k === 'rm') {
    s.emit({ type: 'removed', room: env.room, id: env.id });
  }
}

/**
 * The sender's own message was stored: its copy, in id order, is the reply to its `say`. If
 * that copy already went out (without the ref) the reply is sent now; otherwise it waits.
 */
export function ackOwnMessage(s: SessionState, st: RoomState, m: StoredMessage, ref: string): void {
  if (m.id > delivered(st)) (st.acks ??= new Map()).set(m.id, ref);
  else if (s.closeRef(ref)) s.emit({ ...toMessageFrame(m), ref });
}

/** The ref to put on this copy: the sender's own, if its `say` is still waiting for it. */
function takeAck(s: SessionState, st: RoomState, env: Extract<LiveEnvelope, { k: 'm' }>) {
  let ref = st.acks?.get(env.m.id);
  if (ref !== undefined) st.acks?.delete(env.m.id);
  else if (env.sid === s.sid) ref = env.ref;
  return ref !== undefined && s.closeRef(ref) ? ref : undefined;
}
