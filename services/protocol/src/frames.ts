// Protocol v1 frames (docs/protocol.md). Client frames are validated by parse.ts.

export interface StoredMessage {
  id: number;
  conv: string;
  from: string;
  text: string;
  ts: number;
  /** 1, 2, 3… within the conversation's epoch: a hole in seq is a lost message. */
  seq?: number;
  /** Room name for room messages, recipient nick for DMs. */
  room?: string;
  to?: string;
  /** A DM's recipient identity: the holder of `to`'s token when it was sent. */
  toIdent?: string;
  /** Removed by a moderator: a tombstone that keeps the message's id and seq, without text. */
  removed?: true;
  /** The conversation's epoch when it was stamped (routed DMs carry it). */
  epoch?: string;
  /**
   * Not a message: a notice, routed like a DM, that Redis lost DMs of this conversation after
   * `id`; `epoch` is the one that follows the loss. Shown as `resync {with}`.
   */
  lost?: true;
}

export type ClientFrame =
  | { type: 'hello'; nick?: string; token?: string; ref?: string }
  | {
      type: 'join';
      room: string;
      password?: string;
      since?: number;
      epoch?: string;
      ref?: string;
    }
  | { type: 'leave'; room: string; ref?: string }
  | { type: 'say'; room: string; text: string; ref?: string }
  | { type: 'dm'; to: string; text: string; ref?: string }
  | { type: 'match'; tags: string[]; ref?: string }
  | { type: 'next'; ref?: string }
  | { type: 'rooms'; ref?: string }
  | { type: 'who'; room: string; ref?: string }
  | {
      type: 'history';
      room?: string;
      with?: string;
      before?: number;
      after?: number;
      limit: number;
      ref?: string;
    }
  /** Without nick: your stranger; with room: the stranger of that match room (a past one too). */
  | { type: 'block'; nick?: string; room?: string; ref?: string }
  | { type: 'unblock'; nick: string; ref?: string }
  | { type: 'report'; nick?: string; room?: string; reason?: string; ref?: string }
  /** Exactly one of room (a room or match) and to (a DM): never stored, no reply. */
  | { type: 'typing'; room?: string; to?: string; ref?: string }
  | { type: 'ping'; ref?: string }
  | { type: 'quit'; ref?: string };

export type ClientType = ClientFrame['type'];

export interface MessageFrame {
  type: 'message';
  room: string;
  id: number;
  from: string;
  text: string;
  ts: number;
  seq?: number;
  /** A removed message in a replay: it keeps its place (id, seq) with empty from and text. */
  removed?: true;
  ref?: string;
}

export interface DmFrame {
  type: 'dm';
  id: number;
  from: string;
  to: string;
  text: string;
  ts: number;
  removed?: true;
  ref?: string;
}

export type ServerFrame =
  | { type: 'welcome'; nick: string; token: string; ref?: string }
  | {
      type: 'joined';
      room: string;
      members: string[];
      history: MessageFrame[];
      /** The conversation's epoch: give it back with since when joining again. */
      epoch?: string;
      /** With since: whether history holds every message after it. */
      recovered?: boolean;
      /** History messages that follow as message frames (a long history comes in parts). */
      more?: number;
      ref?: string;
    }
  | { type: 'resync'; room: string; recovered: false; epoch: string; since: number }
  | { type: 'resync'; with: string; recovered: false; epoch: string; since: number }
  | { type: 'left'; room: string; ref?: string }
  | { type: 'presence'; room: string; nick: string; event: 'join' | 'leave'; count: number }
  | MessageFrame
  | DmFrame
  | { type: 'waiting'; tags: string[]; ref?: string }
  | { type: 'matched'; room: string; partner: string; tags: string[] }
  | { type: 'partner_left'; room: string }
  /** Your stranger now goes by another nick (they renamed in the match, or while waiting). */
  | { type: 'renamed'; room: string; old: string; nick: string }
  | {
      type: 'rooms';
      rooms: { room: string; count: number; locked: boolean }[];
      ref?: string;
    }
  | { type: 'members'; room: string; nicks: string[]; ref?: string }
  | {
      type: 'history';
      room?: string;
      with?: string;
      messages: (MessageFrame | DmFrame)[];
      ref?: string;
    }
  | { type: 'blocked'; nick: string; ref?: string }
  | { type: 'unblocked'; nick: string; ref?: string }
  | { type: 'reported'; nick: string; ref?: string }
  /** Someone in the room (or, without room, the DM partner nick) is typing: show it ~5 s. */
  | { type: 'typing'; nick: string; room?: string }
  /** A moderator removed a message: a room's (room) or a DM with someone (with). */
  | { type: 'removed'; id: number; room?: string; with?: string }
  | { type: 'pong'; ref?: string }
  /** `message`, when given, is for the person: a moderator's reason, a ban's term. */
  | { type: 'bye'; reason: string; message?: string; ref?: string }
  | { type: 'error'; code: string; message: string; ref?: string };

export type ServerType = ServerFrame['type'];

// Records, so the compiler refuses a frame type missing from a list or one that does not exist.
const SERVER_TYPE_SET: Record<ServerType, true> = {
  welcome: true,
  joined: true,
  left: true,
  presence: true,
  message: true,
  dm: true,
  waiting: true,
  matched: true,
  partner_left: true,
  renamed: true,
  resync: true,
  rooms: true,
  members: true,
  history: true,
  blocked: true,
  unblocked: true,
  reported: true,
  typing: true,
  removed: true,
  pong: true,
  bye: true,
  error: true,
};

/** Every server frame type, in the order above. */
export const SERVER_TYPES = Object.keys(SERVER_TYPE_SET) as readonly ServerType[];

const CLIENT_TYPE_SET: Record<ClientType, true> = {
  hello: true,
  join: true,
  leave: true,
  say: true,
  dm: true,
  match: true,
  next: true,
  rooms: true,
  who: true,
  history: true,
  block: true,
  unblock: true,
  report: true,
  typing: true,
  ping: true,
  quit: true,
};

/** Every client frame type, in the order above. */
export const CLIENT_TYPES = Object.keys(CLIENT_TYPE_SET) as readonly ClientType[];

export function toMessageFrame(m: StoredMessage): MessageFrame {
  const f: MessageFrame = {
    type: 'message',
    room: m.room ?? '',
    id: m.id,
    from: m.from,
    text: m.text,
    ts: m.ts,
  };
  if (m.seq !== undefined) f.seq = m.seq;
  if (m.removed) f.removed = true;
  return f;
}

export function toDmFrame(m: StoredMessage): DmFrame {
  const f: DmFrame = { type: 'dm', id: m.id, from: m.from, to: m.to ?? '', text: m.text, ts: m.ts };
  if (m.removed) f.removed = true;
  return f;
}

/** A DM conversation's id starts with `d:` (a removed DM's tombstone keeps no `to`). */
export const isDmConv = (conv: string): boolean => conv.startsWith('d:');

export function toFrame(m: StoredMessage): MessageFrame | DmFrame {
  return m.to !== undefined || isDmConv(m.conv) ? toDmFrame(m) : toMessageFrame(m);
}
