import { spreadTags } from './slots.js';

// Every Redis key, stream and channel name lives here. Keys of one conversation share a
// partition hash tag ({p7}) so a script touching them stays in one Redis Cluster slot.

export type ConvId = string;

export interface Keys {
  readonly prefix: string;
  readonly partitions: number;
  /** How scripts publish to a live channel: SPUBLISH (a shard channel) on Redis Cluster. */
  readonly publish: 'PUBLISH' | 'SPUBLISH';
  partitionOf(conv: ConvId): number;
  /** Partition stream: every message of every conversation in partition p. */
  events(p: number): string;
  allEvents(): string[];
  /** Hash {id, seq, epoch}: a conversation's position, the last message stamped in it. */
  pos(conv: ConvId): string;
  /**
   * List of the newest stored messages in id order: the atomic recovery window. A list, not a
   * sorted set, because the send script appends to it far more often than anything reads it.
   */
  window(conv: ConvId): string;
  /** Sorted set (score = id) of durable history, written by history-writer. */
  history(conv: ConvId): string;
  /** Sorted set (score = id) of the ids a moderator removed: written as tombstones. */
  removed(conv: ConvId): string;
  /** Hash lowercase nick -> JSON {nick, sid}. */
  members(conv: ConvId): string;
  /** Hash with a locked room's password salt and hash. */
  roomLock(conv: ConvId): string;
  /** Counter of wrong passwords for a room in the current window (expires with it). */
  passwordFailsRoom(conv: ConvId): string;
  /** Counter of wrong passwords from one client address in the current window. */
  passwordFailsAddress(address: string): string;
  /** Pub/Sub channel carrying a conversation's messages and presence. */
  live(conv: ConvId): string;
  /** Set of public room names that may have members. */
  roomIndex(): string;
  /** Hash describing who holds a nick: {nick, gw, sid, token}. */
  nick(lcNick: string): string;
  /** Sorted set (score = id) of DMs kept for an offline nick. */
  mailbox(lcNick: string): string;
  /** Sorted set of `conv/id` (score = id): DMs to this nick already handed out. */
  dmSeen(lcNick: string): string;
  /** Set of the identities this identity blocked: never matched or DMed with them. */
  blocks(ident: string): string;
  /** Stream of reports for moderators, each with the conversation's last messages. */
  reports(): string;
  /** Hash `ident:<id>` or `address:<address or prefix>` -> JSON ban record. */
  bans(): string;
  /** Counter bumped with every change to the bans, so gateways read them only when it moved. */
  bansVersion(): string;
  /** Stream of what moderators did: who, what, when, why. */
  audit(): string;
  /** Counter of what one address or identity spent of a budget in the current window. */
  budget(kind: string, who: string): string;
  /** Sorted set gateway id -> last heartbeat (ms, by Redis's clock). */
  gateways(): string;
  /** The fleet epoch: a random value that changes only when Redis lost its data. */
  fleetEpoch(): string;
  /** Hash sid -> JSON session state, so others can clean up when a gateway dies. */
  gatewayState(gw: string): string;
  /** Lock held by whoever cleans up after a dead gateway. */
  reapLock(gw: string): string;
  /** Left by a reaper (1 h): the gateway, if it was only stalled, knows its sessions are gone. */
  reaped(gw: string): string;
  /** Stream of events addressed to one gateway's sessions: matched, dm, kick. */
  inbox(gw: string): string;
  /** Matchmaker request stream and its state, all under one tag. */
  matchRequests(): string;
  matchQueue(): string;
  matchTickets(): string;
  matchLock(): string;
  /** Newest request version applied for a session, so requests apply in order. */
  matchVersion(sid: string): string;
  /** JSON {partner, addrs}: whom this person (identity) met lately, for the repeat block. */
  met(who: string): string;
  match(room: string): string;
  /** The match a session was paired into, until its gateway has recorded it. */
  assigned(sid: string): string;
}

/** Stable 32-bit FNV-1a hash, so every service maps a conversation to the same partition. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * On Redis Cluster (`cluster`), partitions take tags spread evenly over the slots; a single
 * Redis keeps `{p0}`…, the names its stored data already has.
 */
export function createKeys(prefix: string, partitions: number, cluster = false): Keys {
  const tags = cluster ? spreadTags(partitions) : undefined;
  const tag = (p: number) => `${prefix}:{${tags?.[p] ?? `p${p}`}}`;
  const partitionOf = (s: string) => fnv1a(s) % partitions;
  const inConv = (conv: ConvId, kind: string) => `${tag(partitionOf(conv))}:${kind}:${conv}`;
  const inNick = (lc: string, kind: string) => `${tag(partitionOf(`n:${lc}`))}:${kind}:${lc}`;
  const mm = `${prefix}:{mm}`;
  const gwTag = (gw: string) => `${prefix}:{gw:${gw}}`;
  return {
    prefix,
    partitions,
    publish: cluster ? 'SPUBLISH' : 'PUBLISH',
    partitionOf,
    events: (p) => `${tag(p)}:events`,
    allEvents: () => Array.from({ length: partitions }, (_, p) => `${tag(p)}:events`),
    pos: (conv) => inConv(conv, 'pos'),
    // 'win', not the sorted set 'recent' it replaced: an old window expires instead of clashing.
    window: (conv) => inConv(conv, 'win'),
    history: (conv) => inConv(conv, 'hist'),
    removed: (conv) => inConv(conv, 'removed'),
    members: (conv) => inConv(conv, 'members'),
    roomLock: (conv) => inConv(conv, 'lock'),
    // One slot for both counters, so one script can check and count an attempt atomically.
    passwordFailsRoom: (conv) => `${prefix}:{pw}:room-fails:${conv}`,
    passwordFailsAddress: (address) => `${prefix}:{pw}:fails:${address}`,
    live: (conv) => inConv(conv, 'live'),
    roomIndex: () => `${prefix}:{rooms}:index`,
    nick: (lc) => inNick(lc, 'nick'),
    mailbox: (lc) => inNick(lc, 'mbox'),
    dmSeen: (lc) => inNick(lc, 'dm-seen'),
    blocks: (ident) => `${prefix}:{id:${ident}}:blocks`,
    reports: () => `${prefix}:{reports}:stream`,
    bans: () => `${prefix}:{mod}:bans`,
    bansVersion: () => `${prefix}:{mod}:bans-version`,
    audit: () => `${prefix}:{mod}:audit`,
    budget: (kind, who) => `${prefix}:{lim:${who}}:${kind}`,
    gateways: () => `${prefix}:{gw}:alive`,
    fleetEpoch: () => `${prefix}:{gw}:epoch`,
    gatewayState: (gw) => `${gwTag(gw)}:state`,
    reapLock: (gw) => `${gwTag(gw)}:reap`,
    reaped: (gw) => `${gwTag(gw)}:reaped`,
    inbox: (gw) => `${gwTag(gw)}:inbox`,
    matchRequests: () => `${mm}:requests`,
    matchQueue: () => `${mm}:queue`,
    matchTickets: () => `${mm}:tickets`,
    matchLock: () => `${mm}:lock`,
    matchVersion: (sid) => `${mm}:ver:${sid}`,
    met: (who) => `${mm}:met:${who}`,
    match: (room) => `${mm}:match:${room}`,
    assigned: (sid) => `${mm}:assigned:${sid}`,
  };
}

/** Conversation ids: rooms (including match rooms m-<id>) and DM pairs. */
export const conv = {
  room: (room: string): ConvId => `r:${room}`,
  dm: (a: string, b: string): ConvId => {
    const [x, y] = [a.toLowerCase(), b.toLowerCase()].sort();
    return `d:${x}:${y}`;
  },
};

/** The two identities (lower case) a DM conversation `d:x:y` is between. */
export function dmParties(conv: string): [string, string] | undefined {
  const m = /^d:([^:]+):([^:]+)$/.exec(conv);
  return m ? [m[1] ?? '', m[2] ?? ''] : undefined;
}
