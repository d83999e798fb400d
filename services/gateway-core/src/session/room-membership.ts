import { isMatchRoom } from '@chatfleet/protocol';
import { conv, type JoinResult, type LockPlan } from '@chatfleet/store';
import { newRoomState } from '../delivery/room-state.js';
import type { SessionState } from './session-state.js';

// A session's place in a room, in Redis and on this gateway: used by joins and by matches.

/**
 * Subscribes first (the gateway then hears everything from here on), then adds the member and
 * reads history in one step; live events wait in the room's buffer until `releaseRoom`.
 */
export async function enterRoom(
  s: SessionState,
  room: string,
  since?: number,
  epoch?: string,
  plan?: LockPlan,
): Promise<JoinResult> {
  const st = newRoomState();
  s.rooms.set(room, st);
  try {
    await s.hub.subscribe(conv.room(room), room, s.sid);
    // From here Redis may hold the membership even if the reply is lost: clean it up on close.
    s.strayRooms.add(room);
    const res = await s.hub.presence.join(room, s.nick ?? '', s.sid, since, epoch, plan);
    s.settleStray(room);
    if (!isMatchRoom(room)) s.joinOrder = s.joinOrder.concat(room);
    await s.saveState();
    return res;
  } catch (err) {
    s.rooms.delete(room);
    s.hub.unsubscribe(conv.room(room), s.sid);
    if (s.isStray(room))
      await s.hub.presence.leave(room, s.nick ?? '', s.sid).then(
        () => s.settleStray(room),
        () => undefined,
      );
    throw err;
  }
}

export async function exitRoom(s: SessionState, room: string): Promise<void> {
  s.rooms.delete(room);
  s.joinOrder = s.joinOrder.filter((r) => r !== room);
  s.hub.unsubscribe(conv.room(room), s.sid);
  await s.hub.presence.leave(room, s.nick ?? '', s.sid);
  await s.saveState();
}
