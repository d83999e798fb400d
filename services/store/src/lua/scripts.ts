import { conv as convOf, type Keys } from '../keys.js';
import { presencePrefix } from '../envelopes.js';
import { STORE_LUA } from './lua-file.js';
import { scriptCommand } from './script-command.js';

// The store's Lua scripts: each is services/store/lua/<name>-<keys>.lua, whose header says what
// every KEYS and ARGV entry is; here, how a call makes them. Loaded once, at start.

type Arg = string | number;

type RoomKey = 'members' | 'window' | 'roomLock' | 'pos' | 'live';
const inRoom = (k: Keys, room: string, ...kinds: RoomKey[]) =>
  kinds.map((kind) => k[kind](convOf.room(room)));

export const sendScript = scriptCommand(
  STORE_LUA,
  'send',
  (
    k,
    p: {
      conv: string;
      /** Rooms renew their lock with their messages; DMs have none. */
      isRoom: boolean;
      body: string;
      /** '' for a message that is routed rather than published (DMs). */
      envelope: string;
      /** The window keeps at least this many messages. */
      windowMax: number;
      ttlMs: number;
      eventsMaxLen: number;
      /** The last message the sender's gateway saw in the conversation, if any. */
      seenEpoch: string;
      seenId: number;
    },
  ) => ({
    keys: [
      k.pos(p.conv),
      k.window(p.conv),
      k.events(k.partitionOf(p.conv)),
      p.isRoom ? k.roomLock(p.conv) : k.window(p.conv),
      k.live(p.conv),
    ],
    args: [
      p.conv,
      p.body,
      p.windowMax,
      p.ttlMs,
      p.eventsMaxLen,
      p.envelope,
      p.seenEpoch,
      p.seenId,
      k.publish,
    ],
  }),
);

export const joinScript = scriptCommand(
  STORE_LUA,
  'join',
  (
    k,
    p: {
      room: string;
      nick: string;
      sid: string;
      since: Arg;
      historyCount: number;
      ttlMs: number;
      clientEpoch: string;
      plan: string;
      salt: string;
      hash: string;
      leaseMs: number;
    },
  ) => ({
    keys: inRoom(k, p.room, 'members', 'window', 'roomLock', 'pos', 'live'),
    args: [
      p.nick.toLowerCase(),
      JSON.stringify({ nick: p.nick, sid: p.sid }),
      presencePrefix(p.nick, p.room, p.sid),
      p.since,
      p.historyCount,
      p.ttlMs,
      p.clientEpoch,
      p.plan,
      p.salt,
      p.hash,
      p.leaseMs,
      k.publish,
    ],
  }),
);

export const catchUpScript = scriptCommand(
  STORE_LUA,
  'catch-up',
  (k, p: { conv: string; afterId: number; seenEpoch: string }) => ({
    keys: [k.pos(p.conv), k.window(p.conv)],
    args: [p.afterId, p.seenEpoch],
  }),
);

export const windowRangeScript = scriptCommand(
  STORE_LUA,
  'window-range',
  (
    k,
    p: { conv: string; after?: number | undefined; before?: number | undefined; limit: number },
  ) => ({
    keys: [k.window(p.conv)],
    args: [p.after ?? '', p.before ?? '', p.limit],
  }),
);

export const leaveScript = scriptCommand(
  STORE_LUA,
  'leave',
  (k, p: { room: string; nick: string; sid: string }) => ({
    keys: inRoom(k, p.room, 'members', 'live'),
    args: [p.nick.toLowerCase(), p.sid, presencePrefix(p.nick, p.room, p.sid), k.publish],
  }),
);

export const claimNickScript = scriptCommand(
  STORE_LUA,
  'claim-nick',
  (
    k,
    p: {
      nick: string;
      gw: string;
      sid: string;
      token: string;
      offered: string;
      deadGw: string;
      leaseMs: number;
      ident: string;
      fresh: string;
    },
  ) => {
    const lc = p.nick.toLowerCase();
    return {
      keys: [k.nick(lc), k.mailbox(lc), k.dmSeen(lc)],
      args: [p.nick, p.gw, p.sid, p.token, p.offered, p.deadGw, p.leaseMs, p.ident, p.fresh],
    };
  },
);

export const releaseNickScript = scriptCommand(
  STORE_LUA,
  'release-nick',
  (k, p: { nick: string; sid: string; holdMs: number }) => ({
    keys: [k.nick(p.nick.toLowerCase())],
    args: [p.sid, p.holdMs],
  }),
);

export const markDmSeenScript = scriptCommand(
  STORE_LUA,
  'mark-dm-seen',
  (k, p: { lcNick: string; id: number; member: string; minId: number; ttlMs: number }) => ({
    keys: [k.dmSeen(p.lcNick)],
    args: [p.id, p.member, p.minId, p.ttlMs],
  }),
);

export const takeMailboxScript = scriptCommand(
  STORE_LUA,
  'take-mailbox',
  (k, p: { lcNick: string; minId: number; ttlMs: number }) => ({
    keys: [k.mailbox(p.lcNick), k.dmSeen(p.lcNick)],
    args: [p.minId, p.ttlMs],
  }),
);

export const routeDmScript = scriptCommand(
  STORE_LUA,
  'route-dm',
  (
    k,
    p: {
      lcNick: string;
      msg: string;
      id: number;
      member: string;
      mode: string;
      deadGw: string;
      goneSid: string;
      maxCount: number;
      minId: number;
      ttlMs: number;
      ident: string;
    },
  ) => ({
    keys: [k.nick(p.lcNick), k.mailbox(p.lcNick), k.dmSeen(p.lcNick)],
    args: [
      p.msg,
      p.id,
      p.member,
      p.mode,
      p.deadGw,
      p.goneSid,
      p.maxCount,
      p.minId,
      p.ttlMs,
      p.ident,
    ],
  }),
);

export const clearAssignedScript = scriptCommand(
  STORE_LUA,
  'clear-assigned',
  (k, p: { sid: string; room: string }) => ({
    keys: [k.assigned(p.sid)],
    // The serialized assignment starts with its room, so it is compared by prefix.
    args: [`{"room":${JSON.stringify(p.room)},`],
  }),
);

export const historyAppendScript = scriptCommand(
  STORE_LUA,
  'history-append',
  (k, p: { conv: string; maxCount: number; minId: number; keepMs: number; members: Arg[] }) => ({
    keys: [k.history(p.conv), k.removed(p.conv)],
    args: [p.maxCount, p.minId, p.keepMs, ...p.members],
  }),
);

export const removeMessageScript = scriptCommand(
  STORE_LUA,
  'remove-message',
  (k, p: { conv: string; id: number; keepMs: number }) => ({
    keys: [k.window(p.conv), k.history(p.conv), k.removed(p.conv)],
    args: [p.id, p.keepMs],
  }),
);

export const mailboxRemoveScript = scriptCommand(
  STORE_LUA,
  'mailbox-remove',
  (k, p: { lcNick: string; id: number; conv: string }) => ({
    keys: [k.mailbox(p.lcNick)],
    args: [p.id, p.conv],
  }),
);

export const heartbeatScript = scriptCommand(
  STORE_LUA,
  'heartbeat',
  (k, p: { gw: string; newEpoch: string }) => ({
    keys: [k.gateways(), k.fleetEpoch()],
    args: [p.gw, p.newEpoch],
  }),
);

export const gatewaysByTimeScript = scriptCommand(
  STORE_LUA,
  'gateways-by-time',
  (k, p: { which: 'live' | 'dead' | 'one'; timeoutMs: number; gw?: string }) => ({
    keys: [k.gateways()],
    args: [p.which, p.timeoutMs, p.gw ?? ''],
  }),
);

/** The clock of the node serving `key` (any key: the script reads none). */
export const clockScript = scriptCommand(STORE_LUA, 'clock', (_k, p: { key: string }) => ({
  keys: [p.key],
  args: [],
}));

/** A lock is a key made by `Keys` (a reaper's, the matchmaker's), held by an owner. */
export const releaseLockScript = scriptCommand(
  STORE_LUA,
  'release-lock',
  (_k, p: { lock: string; owner: string }) => ({ keys: [p.lock], args: [p.owner] }),
);

export const renewLockScript = scriptCommand(
  STORE_LUA,
  'renew-lock',
  (_k, p: { lock: string; owner: string; ttlMs: number }) => ({
    keys: [p.lock],
    args: [p.owner, p.ttlMs],
  }),
);

export const spendBudgetScript = scriptCommand(
  STORE_LUA,
  'spend-budget',
  (k, p: { kind: string; who: string; cost: number; limit: number; windowMs: number }) => ({
    keys: [k.budget(p.kind, p.who)],
    args: [p.cost, p.limit, p.windowMs],
  }),
);

const passwordKeys = (k: Keys, room: string, address: string) => [
  k.passwordFailsAddress(address),
  k.passwordFailsRoom(convOf.room(room)),
];

export const reservePasswordScript = scriptCommand(
  STORE_LUA,
  'pw-reserve',
  (
    k,
    p: { room: string; address: string; perAddress: number; perRoom: number; windowMs: number },
  ) => ({
    keys: passwordKeys(k, p.room, p.address),
    args: [p.perAddress, p.perRoom, p.windowMs],
  }),
);

export const refundPasswordScript = scriptCommand(
  STORE_LUA,
  'pw-refund',
  (k, p: { room: string; address: string }) => ({
    keys: passwordKeys(k, p.room, p.address),
    args: [],
  }),
);
