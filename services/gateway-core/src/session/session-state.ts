import type { SeenIds, ServerFrame, StoredMessage } from '@chatfleet/protocol';
import type { Ban, EncodedFrame, LiveEnvelope } from '@chatfleet/store';
import type { RoomState } from '../delivery/room-state.js';
import type { Hub, Transport } from './hub.js';

/** A stranger this session was matched with: the identity is who they are, the nick may change. */
export interface Stranger {
  room: string;
  /** Their nick as this session last heard it (a rename in the match updates it). */
  partner: string;
  /** Absent only for a match made by a matchmaker older than identity-based strangers. */
  partnerIdent?: string;
}

/**
 * A session as its frame handlers, its delivery and its gateway's loops see it. `Session`
 * implements it; they name this, never the class, so the class may import them without a
 * circle of imports.
 */
export interface SessionState {
  readonly sid: string;
  readonly hub: Hub;
  /** Public for the gateway's native fan-out; the session alone sends frames on it. */
  readonly transport: Transport;
  nick: string | undefined;
  token: string;
  /** The identity behind the nick (see claimNick): DMs, the mailbox and blocks are its own. */
  ident: string;
  readonly rooms: Map<string, RoomState>;
  /** Order of joins, newest last: text mode talks to the last joined room. */
  joinOrder: readonly string[];
  match: Stranger | undefined;
  /** The stranger this session talked to last: `/block` and `/report` without a nick mean them. */
  lastStranger: Stranger | undefined;
  reportsFiled: number;
  waiting: boolean;
  waitingSince: number | undefined;
  /** When this session last left a stranger for another (`next`, or `match` while matched). */
  movedOnAt?: number;
  lastTags: string[];
  /** Live DMs held while the mailbox is taken: shown after it, in id order. */
  heldDms: StoredMessage[] | undefined;
  closed: boolean;
  /** Recently seen DMs (the newest 1,000), to drop a DM that arrives twice. */
  readonly dmSeen: SeenIds<string>;
  /** The DMs seen, without making the set for a session that never had one. */
  dmSeenIfAny(): SeenIds<string> | undefined;
  /** The identities this identity blocked (undefined: not read yet, or Redis was away). */
  blocks: Set<string> | undefined;
  /** Whether a typing event for this conversation may go out now (one per 2 s). */
  typingDue(key: string): boolean;
  /** The strangers of this session's last few matches, by room: `block {room}` finds them. */
  strangerIn(room: string): Stranger | undefined;
  /** Remembers a stranger this session met (the newest few). */
  meet(st: Stranger): void;
  /** Match rooms this session has been through, so a late or repeated `matched` is ignored. */
  readonly pastMatches: Set<string>;
  /** Nicks claimed in Redis that are not (yet) this session's nick: freed on close. */
  readonly claimed: Set<string>;
  /** A claim settled (the nick is ours as the session's nick, or someone else's). */
  settleClaim(nick: string): void;
  /** Rooms whose join failed after Redis may have added the member: cleaned up with the rest. */
  readonly strayRooms: Set<string>;
  isStray(room: string): boolean;
  /** The room's join settled one way or the other: it is no longer stray. */
  settleStray(room: string): void;
  emit(frame: ServerFrame, wire?: EncodedFrame): void;
  /** Runs a task in the session's queue, after the frames before it. */
  run(task: () => Promise<void>): Promise<void>;
  openRef(ref: string): void;
  /** True when the ref was still owed its reply (and now is not). */
  closeRef(ref: string): boolean;
  hasOpenRef(ref: string): boolean;
  /** Bytes sent but not yet taken by the client. */
  backlog(): number;
  /** The client's address, for limits kept per address. */
  address(): string;
  /** Waits for the client to read; false when it was dropped as slow (or closed). */
  readerKeepsUp(): Promise<boolean>;
  dropSlow(why: string): void;
  /** A live event for one of this session's rooms. */
  live(env: LiveEnvelope): void;
  /** The match room said the match is over (in order, after the partner's last words). */
  partnerEnded(room: string, bySid: string, why?: 'gone'): void;
  matched(room: string, partner: string, tags: string[], partnerIdent?: string): Promise<void>;
  strangerRenamed(room: string, nick: string): void;
  /** A DM routed to this session; false when the session is closed (it goes elsewhere). */
  deliverDm(raw: unknown): boolean;
  saveState(): Promise<void>;
  /** The fleet voided this session: the client is told to reconnect. */
  revoke(): void;
  /** Says goodbye (`message` for the person) and closes; cleanup follows. */
  bye(reason: string, ref?: string, message?: string): void;
  /** Ends a connection a ban covers: `error banned`, then `bye banned`. */
  endBanned(ban: Ban, ref?: string): void;
  /** The connection is gone: leave rooms, end the match, free the nick. Idempotent. */
  close(): Promise<void>;
}
