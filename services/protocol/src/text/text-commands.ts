import type { ClientFrame } from '../frames.js';
import { parseValue, type ParseLimits } from '../parse.js';

export type TextInput =
  | { kind: 'frame'; frame: ClientFrame }
  | {
      kind: 'error';
      code: 'bad_frame' | 'not_matched' | 'bad_room' | 'bad_nick' | 'too_large' | 'forbidden';
      message: string;
    }
  | { kind: 'help' }
  | { kind: 'json' }
  | { kind: 'empty' };

const TOKEN_RE = /^[A-Za-z0-9_-]{16,128}$/;

export const HELP = [
  'commands:',
  '  /nick NAME [TOKEN]      pick a nick, or take yours back with its token',
  '  /match [TAGS...]        talk to a random stranger (who shares a tag, if you give some)',
  '  /next                   leave this stranger, find another',
  '  /join ROOM [PASSWORD]   join or open a room (a password locks a new room)',
  '  /leave [ROOM]           leave a room',
  '  /rooms                  list public rooms',
  '  /who [ROOM]             who is in a room',
  '  /msg NICK TEXT          private message',
  '  /history [ROOM]         recent messages',
  '  /block [NICK]           never be matched or DM with them again (default: your stranger)',
  '  /unblock NICK           undo a block',
  '  /report [@NICK] [WHY]   report your stranger (or NICK) to the moderators',
  '  /ping                   PONG',
  '  /json                   switch this connection to NDJSON frames',
  '  /quit                   leave',
  'anything else is said to your stranger, or to the room you joined last',
];

/**
 * Turns a text-mode line into a protocol frame. `current` is where plain lines go.
 * Validation is the protocol's own, so both modes refuse the same things.
 */
export function parseTextLine(
  line: string,
  current: string | undefined,
  limits: ParseLimits,
): TextInput {
  const trimmed = line.trim();
  if (trimmed === '') return { kind: 'empty' };
  const upper = trimmed.toUpperCase();
  if (upper === 'PING') return frame({ type: 'ping' }, limits);
  if (upper === 'QUIT') return frame({ type: 'quit' }, limits);
  if (!trimmed.startsWith('/')) {
    if (current === undefined)
      return {
        kind: 'error',
        code: 'not_matched',
        message: 'you are not talking to anyone yet: /match for a stranger or /join a room',
      };
    return frame({ type: 'say', room: current, text: line }, limits);
  }
  const [cmdRaw = '', ...args] = trimmed.slice(1).split(/\s+/);
  const rest = trimmed.slice(1 + cmdRaw.length).trim();
  const cmd = cmdRaw.toLowerCase();
  const roomArg = () => (args[0] !== undefined ? args[0].toLowerCase() : current);
  switch (cmd) {
    case 'nick': {
      // `/nick NAME TOKEN` takes a nick back; anything else after the name is a bad nick.
      const [nick = '', token, ...more] = args;
      if (token === undefined || more.length > 0)
        return frame({ type: 'hello', nick: rest }, limits);
      if (!TOKEN_RE.test(token))
        return {
          kind: 'error',
          code: 'bad_nick',
          message: `/nick ${nick} TOKEN takes the token the server showed you ("to come back as…")`,
        };
      return frame({ type: 'hello', nick, token }, limits);
    }
    case 'join':
      return frame(
        {
          type: 'join',
          room: (args[0] ?? '').toLowerCase(),
          ...(args[1] ? { password: args[1] } : {}),
        },
        limits,
      );
    case 'leave':
    case 'who':
    case 'history': {
      const room = roomArg();
      if (room === undefined)
        return { kind: 'error', code: 'not_matched', message: `/${cmd} needs a room` };
      return frame({ type: cmd, room }, limits);
    }
    case 'rooms':
    case 'next':
    case 'ping':
    case 'quit':
      return frame({ type: cmd }, limits);
    case 'msg': {
      const to = args[0] ?? '';
      return frame({ type: 'dm', to, text: rest.slice(to.length).trim() }, limits);
    }
    case 'match':
      return frame({ type: 'match', tags: args.map((t) => t.toLowerCase()) }, limits);
    case 'block':
      return frame({ type: 'block', ...(args[0] ? { nick: args[0] } : {}) }, limits);
    case 'unblock':
      return frame({ type: 'unblock', nick: args[0] ?? '' }, limits);
    case 'report': {
      // `/report [REASON]` is about your stranger; `/report @NICK [REASON]` about anyone else.
      const named = args[0]?.startsWith('@') ? args[0].slice(1) : undefined;
      const reason = (named !== undefined ? rest.slice(args[0]!.length) : rest).trim();
      return frame(
        {
          type: 'report',
          ...(named !== undefined ? { nick: named } : {}),
          ...(reason ? { reason } : {}),
        },
        limits,
      );
    }
    case 'json':
      return { kind: 'json' };
    case 'help':
      return { kind: 'help' };
    default:
      return {
        kind: 'error',
        code: 'bad_frame',
        message: `unknown command /${cmd.slice(0, 32)}: /help lists them`,
      };
  }
}

function frame(value: Record<string, unknown>, limits: ParseLimits): TextInput {
  const res = parseValue(value, limits);
  if (res.ok) return { kind: 'frame', frame: res.frame };
  return { kind: 'error', code: res.code as 'bad_frame', message: res.message };
}
