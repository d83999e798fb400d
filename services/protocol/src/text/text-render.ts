import type { DmFrame, MessageFrame, ServerFrame } from '../frames.js';
import { isMatchRoom } from '../names.js';

/** Per-connection memory the text renderer needs. */
export interface TextView {
  nick?: string;
  partner?: string;
  /** The match room while a stranger chat is on: plain lines go there. */
  match?: string;
  greeted?: boolean;
}

const line = (m: MessageFrame | DmFrame): string =>
  m.type === 'dm'
    ? `[dm] <${m.from}> ${m.text}`
    : isMatchRoom(m.room)
      ? `<${m.from}> ${m.text}`
      : `[${m.room}] <${m.from}> ${m.text}`;

/** A room as a person reads it: a match room's id means nothing to them. */
const where = (room: string): string => (isMatchRoom(room) ? 'the chat with your stranger' : room);

const mine = (v: TextView, from: string) =>
  v.nick !== undefined && from.toLowerCase() === v.nick.toLowerCase();

/**
 * Renders a server frame as the lines a person at nc sees. Your own messages are not
 * echoed back: the terminal already shows what you typed.
 */
export function renderText(f: ServerFrame, v: TextView): string[] {
  switch (f.type) {
    case 'welcome': {
      const first = !v.greeted;
      v.greeted = true;
      v.nick = f.nick;
      // nc users have nowhere else to see the token that brings their nick (and DMs) back.
      const back = `* to come back as ${f.nick} later: /nick ${f.nick} ${f.token}`;
      return first
        ? [`* welcome to chatfleet, you are ${f.nick} — /help for commands`, back]
        : [`* you are now ${f.nick}`, back];
    }
    case 'joined': {
      const out = [`* joined ${f.room} (${f.members.length} here: ${f.members.join(', ')})`];
      for (const m of f.history) if (!m.removed) out.push(line(m));
      if (v.match !== undefined && !isMatchRoom(f.room))
        out.push(
          `* plain lines still go to your stranger; /next or /leave ends that chat, then they go to ${f.room}`,
        );
      return out;
    }
    case 'left':
      if (f.room === v.match) v.match = undefined;
      return [isMatchRoom(f.room) ? '* you left the chat' : `* left ${f.room}`];
    case 'presence':
      return [`* ${f.nick} ${f.event === 'join' ? 'joined' : 'left'} ${f.room} (${f.count} here)`];
    case 'message':
      return mine(v, f.from) || f.removed ? [] : [line(f)];
    case 'dm':
      if (f.removed) return [];
      return mine(v, f.from) ? [`* sent to ${f.to}`] : [line(f)];
    case 'waiting':
      v.match = undefined;
      return [
        f.tags.length > 0
          ? `* looking for a partner who likes ${f.tags.join(', ')}…`
          : '* looking for a partner…',
      ];
    case 'matched':
      v.partner = f.partner;
      v.match = f.room;
      return [
        `* matched with ${f.partner}${f.tags.length > 0 ? ` (you both like ${f.tags.join(', ')})` : ''} — say hi (/next for someone else)`,
      ];
    case 'partner_left':
      if (f.room === v.match) v.match = undefined;
      return [`* ${v.partner ?? 'your partner'} left the chat`];
    case 'renamed':
      v.partner = f.nick;
      return [`* ${f.old} is now ${f.nick}`];
    case 'resync':
      if (!('room' in f)) return [`* some DMs with ${f.with} may be missing: the server lost them`];
      return [
        isMatchRoom(f.room)
          ? '* some messages of this chat may be missing: the server lost track of them'
          : `* some messages in ${f.room} may be missing: /history ${f.room} shows what was kept`,
      ];
    case 'rooms':
      return f.rooms.length === 0
        ? ['* no rooms yet: /join NAME opens one']
        : [
            `* rooms: ${f.rooms.map((r) => `${r.room} (${r.count}${r.locked ? ', locked' : ''})`).join(', ')}`,
          ];
    case 'members':
      return [`* in ${where(f.room)}: ${f.nicks.join(', ') || 'nobody'}`];
    case 'history': {
      const of = f.room !== undefined ? where(f.room) : `your DMs with ${f.with}`;
      return f.messages.length === 0
        ? [`* no history for ${of}`]
        : [`* history of ${of}:`, ...f.messages.filter((m) => !m.removed).map(line)];
    }
    case 'blocked':
      return [
        `* blocked ${f.nick}: you will not be matched or exchange DMs again (/unblock ${f.nick})`,
      ];
    case 'unblocked':
      return [`* unblocked ${f.nick}`];
    case 'reported':
      return [`* reported ${f.nick}, with your last messages: thank you, moderators will look`];
    case 'typing':
      // A line per keystroke pause would bury the conversation: text mode stays quiet.
      return [];
    case 'removed':
      return [
        f.room !== undefined
          ? `* a moderator removed a message in ${where(f.room)}`
          : `* a moderator removed a message of your DMs with ${f.with ?? 'someone'}`,
      ];
    case 'pong':
      return ['PONG'];
    case 'bye':
      return [
        f.reason === 'shutdown'
          ? '* bye: the server is restarting, reconnect in a moment'
          : `* bye (${f.reason}${f.message ? `: ${f.message}` : ''})`,
      ];
    case 'error':
      return [`! ${f.code}: ${f.message}`];
  }
}
