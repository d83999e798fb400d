import type { Logger, Slots } from '@chatfleet/runtime';
import type { ServerFrame, StoredMessage } from '@chatfleet/protocol';
import type {
  ConversationBroker,
  EncodedFrame,
  Presence,
  RoomListing,
  Seen,
  StoreContext,
} from '@chatfleet/store';
import type { AddressBudget } from '../limits/address-budget.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import type { RoomState } from '../delivery/room-state.js';
import type { BanList } from '../moderation/ban-list.js';

export interface SessionLimits {
  maxTextChars: number;
  maxRooms: number;
  ratePerSec: number;
  rateBurst: number;
  floodLimit: number;
  gatewayTimeoutMs: number;
  /** How long a join waits for a subscription being set up (or restored) before `unavailable`. */
  joinWaitMs: number;
  /** Catch-up and history go out only while the client holds fewer unread bytes than this. */
  paceBytes: number;
  /** A client that reads none of a paced delivery for this long is disconnected as slow. */
  slowReaderMs: number;
  /**
   * Live events held for a client that is behind (its paced buffers), in bytes: past this it
   * is disconnected as slow, however often it reads a little (MAX_BACKLOG_BYTES).
   */
  maxPacedBytes: number;
  /** Wrong room passwords allowed per client address, and per room, in each window. */
  passwordFailsPerAddress: number;
  passwordFailsPerRoom: number;
  passwordWindowMs: number;
  /** Password hashes computed at once by one gateway (the rest queue, briefly). */
  passwordHashConcurrency: number;
  /** How long one gateway serves the room list it read before it reads it again. */
  roomListCacheMs: number;
  /** A session may leave a stranger for another at most once per this long. */
  nextIntervalMs: number;
  /** What one client address may make Redis keep (docs/protocol.md, Budgets). Fleet-wide: */
  reportsPerAddressHour: number;
  roomsPerAddressHour: number;
  /** DMs kept for offline recipients, per hour, per sender identity and per address. */
  offlineDmsPerHour: number;
  /** Per gateway: UTF-8 bytes of message text (rooms, matches, DMs) per address per minute. */
  textBytesPerAddressMin: number;
}

/** What a transport gives a session: a way to send frames and to close. */
export interface Transport {
  /** `wire`, when given, is the frame already serialized (shared by every receiver). */
  send(frame: ServerFrame, wire?: EncodedFrame): void;
  /** Closes the connection after what was sent so far is flushed. */
  close(reason: string): void;
  /** Bytes sent but not yet taken by the client. */
  backlog(): number;
  /** Resolves when the client took some of its backlog, or the connection closed. */
  drained(): Promise<void>;
  /** The client's address, for limits kept per address. */
  address(): string;
  /**
   * Native fan-out, where the transport has it (uWS topics): one publish reaches every
   * connection subscribed to a topic. Transports without it deliver per session only.
   */
  subscribe?(topic: string): void;
  /** Leaves a topic, losing nothing published to it before. */
  unsubscribe?(topic: string): void;
  /** Publishes to every other connection subscribed to the topic, not this one. */
  publishOthers?(topic: string, bytes: Uint8Array): void;
}

/** What the native fan-out needs of a session. */
export interface TopicMember {
  readonly sid: string;
  readonly transport: Transport;
  readonly rooms: ReadonlyMap<string, RoomState>;
  readonly closed: boolean;
}

/** Moves steady room members onto the transport's native fan-out, and back off it. */
export interface TopicMembership {
  /** The room is steady for this session (joined, nothing held back): try the topic path. */
  enter(s: TopicMember, room: string, st: RoomState): void;
  /** Back to per-session delivery, to pace a client that fell behind. */
  exit(s: TopicMember, room: string): void;
}

/** What a session needs from the gateway process it lives in. */
export interface Hub {
  readonly gw: string;
  readonly store: StoreContext;
  /** Where messages are published and caught up on. */
  readonly broker: ConversationBroker;
  /** Where members join and leave. */
  readonly presence: Presence;
  readonly log: Logger;
  readonly metrics: GatewayMetrics;
  readonly limits: SessionLimits;
  readonly draining: boolean;
  /** Set where the transport fans out natively. */
  readonly topics?: TopicMembership;
  /** Where password hashing runs, a few at a time. */
  readonly hashing: Slots;
  /** Message text per address, counted by this gateway (textBytesPerAddressMin). */
  readonly textBudget: AddressBudget;
  /** The fleet's bans, held here: hello and connections are checked without a round trip. */
  readonly bans: BanList;
  /** The public room list, read from Redis at most once per ROOM_LIST_CACHE_MS per gateway. */
  roomList(): Promise<RoomListing[]>;
  nextSid(): string;
  /** Resolves once the gateway hears the conversation live (every event after this point). */
  subscribe(conv: string, room: string, sid: string): Promise<void>;
  unsubscribe(conv: string, sid: string): void;
  /** The last message this gateway dispatched in a conversation it listens to, if any. */
  seen(conv: string): Seen | undefined;
  /** The last DM this gateway's sessions sent or were handed in a DM conversation, lately. */
  dmSeen(conv: string): Seen | undefined;
  /** A DM sent or handed here: one that opens a newer epoch gets both sides told of the loss. */
  dmNoted(m: StoredMessage): void;
  /** Tells another (or this) gateway to disconnect one of its sessions. */
  kick(gw: string, sid: string, reason: string): Promise<void>;
  /**
   * Undefined while this gateway's liveness lease is surely current; otherwise a promise of a
   * heartbeat first (after a stall the fleet may have reaped it, and voided its sessions).
   */
  fence(): Promise<void> | undefined;
  /** Whether its own heartbeats have held long enough to take another gateway's silence for death. */
  judgesSilence(): boolean;
  /** Monotonic version for matchmaker requests. */
  nextVersion(): number;
}
