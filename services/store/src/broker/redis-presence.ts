import type { StoreContext } from '../context.js';
import { type Holdings, renewHoldings } from '../gateways.js';
import {
  joinRoom,
  type JoinResult,
  leaveRoom,
  type LockPlan,
  restoreMember,
  roomMembers,
} from '../rooms.js';
import type { Presence } from './presence.js';

/** Member lists in one Redis: hashes written by the join and leave scripts. */
export class RedisPresence implements Presence {
  constructor(private readonly store: StoreContext) {}

  join(
    room: string,
    nick: string,
    sid: string,
    since?: number,
    epoch?: string,
    plan?: LockPlan,
  ): Promise<JoinResult> {
    return joinRoom(this.store, room, nick, sid, since, epoch, plan);
  }

  leave(room: string, nick: string, sid: string): Promise<number> {
    return leaveRoom(this.store, room, nick, sid);
  }

  members(room: string): Promise<string[]> {
    return roomMembers(this.store, room);
  }

  restore(room: string, nick: string, sid: string): Promise<void> {
    return restoreMember(this.store, room, nick, sid);
  }

  renew(h: Holdings): Promise<void> {
    return renewHoldings(this.store, h);
  }
}
