import type { Holdings } from '../gateways.js';
import type { JoinResult, LockPlan } from '../rooms.js';

/**
 * Who is in a room, as the gateway core sees it (centrifuge's PresenceManager): a member's
 * place is a lease its gateway renews, and joining or leaving tells the room in order with its
 * messages.
 */
export interface Presence {
  /** Adds a member (with `join` presence) and reads history, in one step. */
  join(
    room: string,
    nick: string,
    sid: string,
    since?: number,
    epoch?: string,
    plan?: LockPlan,
  ): Promise<JoinResult>;
  /** Removes a member if `sid` still holds its place; resolves with the new count, or -1. */
  leave(room: string, nick: string, sid: string): Promise<number>;
  /** A room's members' nicks, sorted. */
  members(room: string): Promise<string[]>;
  /** Puts a member back without presence: after the store lost its data, nobody saw them go. */
  restore(room: string, nick: string, sid: string): Promise<void>;
  /** Renews every lease a gateway holds for its sessions. */
  renew(h: Holdings): Promise<void>;
}
