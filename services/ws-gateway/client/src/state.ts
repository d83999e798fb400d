import type { DmFrame, MessageFrame, RoomCursor, ServerFrame } from '@chatfleet/protocol';

export type Item =
  | { kind: 'msg'; id: number; from: string; text: string; ts: number }
  | { kind: 'notice'; text: string; ts: number };

export interface Conv {
  key: string;
  type: 'room' | 'match' | 'dm';
  title: string;
  /** Room name (rooms and matches) or peer nick (DMs). */
  target: string;
  items: Item[];
  seen: Set<number>;
  /** Rooms and matches: what to rejoin with, and the fill of a gap the server reports. */
  cursor?: RoomCursor;
  members: string[];
  unread: number;
  password?: string;
  ended?: boolean;
  /** Who is typing here, until when (ms); shown until then or until their message. */
  typing: Map<string, number>;
  /** Ids a moderator removed: never shown, even if a copy arrives later. */
  removed: Set<number>;
  /** When this client last said it was typing here (at most once per 2 s). */
  typedAt?: number;
}

export interface State {
  status: 'connecting' | 'online' | 'offline';
  retryInMs?: number;
  nick?: string;
  token?: string;
  wantedNick?: string;
  convs: Map<string, Conv>;
  active?: string;
  lobby: { room: string; count: number; locked: boolean }[];
  waiting: boolean;
  tags: string[];
  toasts: { id: number; text: string }[];
  showMembers: boolean;
  showMenu: boolean;
  /** A block or report waiting for the user to confirm it. */
  asking?: { conv: string; kind: 'block' | 'report' };
  /** The nick screen is open again to pick another nick. */
  renaming?: boolean;
  fatal?: string;
}

export const newState = (): State => ({
  status: 'connecting',
  convs: new Map(),
  lobby: [],
  waiting: false,
  tags: [],
  toasts: [],
  showMembers: false,
  showMenu: false,
});

export const roomKey = (room: string) => (room.startsWith('m-') ? `match:${room}` : `room:${room}`);
export const dmKey = (peer: string) => `dm:${peer.toLowerCase()}`;

export function ensureConv(
  s: State,
  key: string,
  init: () => Omit<Conv, 'items' | 'seen' | 'members' | 'unread' | 'typing' | 'removed'>,
): Conv {
  let c = s.convs.get(key);
  if (!c) {
    c = {
      ...init(),
      items: [],
      seen: new Set(),
      members: [],
      unread: 0,
      typing: new Map(),
      removed: new Set(),
    };
    s.convs.set(key, c);
  }
  return c;
}

const MAX_ITEMS = 500;

/** Adds a message once, in id order; returns false for a duplicate. */
export function addMessage(s: State, c: Conv, m: MessageFrame | DmFrame): boolean {
  if (c.seen.has(m.id)) return false;
  c.seen.add(m.id);
  // Their message is here: they are no longer typing it.
  c.typing.delete(m.from);
  // A removed message keeps its place in a replay, without text: there is nothing to show.
  if (m.removed || c.removed.has(m.id)) return false;
  const item: Item = { kind: 'msg', id: m.id, from: m.from, text: m.text, ts: m.ts };
  let i = c.items.length;
  while (i > 0) {
    const prev = c.items[i - 1];
    if (prev?.kind === 'msg' && prev.id > m.id) i--;
    else break;
  }
  c.items.splice(i, 0, item);
  if (c.items.length > MAX_ITEMS) c.items.splice(0, c.items.length - MAX_ITEMS);
  if (s.active !== c.key && m.from !== s.nick) c.unread++;
  return true;
}

/** A moderator removed a message: off the screen, and never shown again here. */
export function removeMessage(c: Conv, id: number): void {
  c.removed.add(id);
  c.items = c.items.filter((it) => it.kind !== 'msg' || it.id !== id);
}

/** How long a typing indicator shows without another. */
export const TYPING_SHOWN_MS = 5000;

/** The line under a conversation: "ann is typing…" (a stranger: "Stranger is typing…"). */
export function typingLine(c: Conv, now: number): string | undefined {
  const who = [...c.typing].filter(([, until]) => until > now).map(([nick]) => nick);
  if (who.length === 0) return undefined;
  if (c.type === 'match') return 'Stranger is typing…';
  if (who.length === 1) return `${who[0]} is typing…`;
  if (who.length === 2) return `${who[0]} and ${who[1]} are typing…`;
  return 'Several people are typing…';
}

export function notice(c: Conv, text: string): void {
  c.items.push({ kind: 'notice', text, ts: Date.now() });
}

export const FRIENDLY: Record<string, string> = {
  bad_frame: 'That did not make sense to the server.',
  bad_nick: 'Nicks are 1–24 letters, digits, _ or -.',
  nick_taken: 'That nick is taken. Try another.',
  no_such_nick: 'Nobody goes by that nick right now.',
  bad_room: 'Room names are 1–64 lowercase letters, digits, _ or -.',
  not_in_room: 'You are not in that room.',
  wrong_password: 'Wrong password for that room.',
  too_large: 'That message is too long.',
  rate_limited: 'Slow down a little: too many messages at once.',
  not_matched: 'You are not talking to a stranger right now.',
  forbidden: 'That is not allowed.',
  banned: 'You are banned from this chat.',
  unavailable: 'The chat service is briefly unavailable. Try again in a moment.',
};

export function describeError(f: Extract<ServerFrame, { type: 'error' }>): string {
  const base = FRIENDLY[f.code] ?? 'Something went wrong.';
  // These messages say what to do (a nick kept for its token, a guest name that is not yours).
  const explained = ['forbidden', 'bad_frame', 'bad_nick', 'nick_taken'];
  return explained.includes(f.code) ? `${base} (${f.message})` : base;
}
