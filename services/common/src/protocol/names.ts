export const NICK_RE = /^[A-Za-z0-9_-]{1,24}$/;
export const ROOM_RE = /^[a-z0-9_-]{1,64}$/;
export const TAG_RE = /^[a-z0-9_-]{1,24}$/;

export const isNick = (s: unknown): s is string => typeof s === 'string' && NICK_RE.test(s);
export const isRoom = (s: unknown): s is string => typeof s === 'string' && ROOM_RE.test(s);
export const isMatchRoom = (room: string) => room.startsWith('m-');
