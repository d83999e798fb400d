export const NICK_RE = /^[A-Za-z0-9_-]{1,24}$/;
export const ROOM_RE = /^[a-z0-9_-]{1,64}$/;
export const TAG_RE = /^[a-z0-9_-]{1,24}$/;

export const isNick = (s: unknown): s is string => typeof s === 'string' && NICK_RE.test(s);
export const isRoom = (s: unknown): s is string => typeof s === 'string' && ROOM_RE.test(s);
/** Guest nicks are the server's to give; a client may only take its own back, by token. */
export const GUEST_PREFIX = 'guest-';
export const isGuestNick = (nick: string) => nick.toLowerCase().startsWith(GUEST_PREFIX);
export const isMatchRoom = (room: string) => room.startsWith('m-');
