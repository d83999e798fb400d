import { isNick, isRoom } from '@chatfleet/protocol';
import { parseBanAddress } from '@chatfleet/store';
import { parseDuration } from './duration.js';

/** Whom a ban (or unban) names. */
export type BanTarget =
  | { kind: 'nick'; nick: string }
  | { kind: 'ident'; ident: string }
  | { kind: 'address'; address: string };

export type Command =
  | { cmd: 'reports'; limit: number }
  | { cmd: 'reports-take'; count: number }
  | { cmd: 'reports-done'; id: string; note: string }
  | { cmd: 'ban'; target: BanTarget; forMs: number; reason: string }
  | { cmd: 'unban'; target: BanTarget }
  | { cmd: 'bans' }
  | { cmd: 'kick'; nick: string; reason: string }
  | { cmd: 'remove'; where: string; id: number; reason: string }
  | { cmd: 'audit'; limit: number };

export interface Invocation {
  command: Command;
  json: boolean;
  /** The moderator, as the audit stream names them (--as, else MODERATOR or USER). */
  as?: string;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const USAGE = `usage: chatfleet-admin COMMAND [options] [--json] [--as MODERATOR]

  reports [--limit N]                  open reports, oldest first, with their context
  reports take [--count N]             take the next open reports to work on (default 1)
  reports done ID [--note TEXT]        close a report that was taken
  ban NICK [--for 90s|30m|12h|7d|2w|forever] [--reason TEXT]   (default: forever)
  ban --ident ID | --address ADDR[/24 or /64] [--for …] [--reason …]
  unban NICK | --ident ID | --address ADDR
  bans                                 active bans and when they end
  kick NICK [--reason TEXT]            end NICK's connection, without a ban
  remove ROOM ID [--reason TEXT]       remove a room or match message (ROOM as reports show it)
  remove dm:IDENT:IDENT ID [--reason]  remove a DM (the conversation as reports show it)
  audit [--limit N]                    what moderators did, newest last`;

/** The options of a command line, with the words left over. */
function split(argv: string[], valued: Set<string>, flags: Set<string>) {
  const words: string[] = [];
  const opts = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (flags.has(a)) opts.set(a, '');
    else if (valued.has(a)) {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      opts.set(a, v);
    } else if (a.startsWith('--')) throw new UsageError(`unknown option ${a}`);
    else words.push(a);
  }
  return { words, opts };
}

function count(v: string | undefined, def: number, name: string, max: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 1 || n > max)
    throw new UsageError(`${name} must be a number from 1 to ${max}`);
  return n;
}

function text(v: string | undefined, name: string): string {
  const t = v ?? '';
  if (t.length > 500) throw new UsageError(`${name} is longer than 500 characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(t)) throw new UsageError(`${name} holds control characters`);
  return t;
}

function banTarget(words: string[], opts: Map<string, string>): BanTarget {
  const given = [words.length > 0, opts.has('--ident'), opts.has('--address')].filter(Boolean);
  if (given.length !== 1 || words.length > 1)
    throw new UsageError('name exactly one of: a nick, --ident ID, --address ADDR');
  const ident = opts.get('--ident');
  if (ident !== undefined) {
    if (!/^[A-Za-z0-9_-]{8,64}$/.test(ident))
      throw new UsageError(`${ident} is not an identity id`);
    return { kind: 'ident', ident };
  }
  const address = opts.get('--address');
  if (address !== undefined) {
    const a = parseBanAddress(address);
    if ('error' in a) throw new UsageError(a.error);
    return { kind: 'address', address: a.value };
  }
  const nick = words[0] ?? '';
  if (!isNick(nick)) throw new UsageError(`${nick} is not a nick ([A-Za-z0-9_-]{1,24})`);
  return { kind: 'nick', nick };
}

/** Where a removal happens: a room name, or `dm:IDENT:IDENT` as reports show a DM. */
export function parseWhere(s: string): string {
  if (isRoom(s)) return s;
  if (/^dm:[A-Za-z0-9_-]{8,64}:[A-Za-z0-9_-]{8,64}$/.test(s)) return s;
  throw new UsageError(`${s} is neither a room nor dm:IDENT:IDENT`);
}

export function parseArgs(argv: string[]): Invocation {
  const valued = new Set([
    '--limit',
    '--count',
    '--note',
    '--for',
    '--reason',
    '--ident',
    '--address',
    '--as',
  ]);
  const { words, opts } = split(argv, valued, new Set(['--json', '--help', '-h']));
  if (opts.has('--help') || opts.has('-h') || words.length === 0) throw new UsageError(USAGE);
  const [verb, ...rest] = words;
  const allow = (...names: string[]) => {
    for (const k of opts.keys())
      if (!['--json', '--as', ...names].includes(k))
        throw new UsageError(`${k} does not go with ${verb}`);
  };
  const as = opts.get('--as');
  if (as !== undefined && !/^[A-Za-z0-9_.@-]{1,64}$/.test(as))
    throw new UsageError('--as must be a name of [A-Za-z0-9_.@-], at most 64 characters');
  const done = (command: Command): Invocation => ({
    command,
    json: opts.has('--json'),
    ...(as !== undefined ? { as } : {}),
  });
  switch (verb) {
    case 'reports': {
      const [sub, id, ...more] = rest;
      if (sub === undefined) {
        allow('--limit');
        return done({ cmd: 'reports', limit: count(opts.get('--limit'), 50, '--limit', 1000) });
      }
      if (sub === 'take' && id === undefined) {
        allow('--count');
        return done({ cmd: 'reports-take', count: count(opts.get('--count'), 1, '--count', 100) });
      }
      if (sub === 'done' && id !== undefined && more.length === 0) {
        allow('--note');
        return done({ cmd: 'reports-done', id, note: text(opts.get('--note'), '--note') });
      }
      throw new UsageError(`reports takes nothing, take, or done ID\n${USAGE}`);
    }
    case 'ban': {
      allow('--ident', '--address', '--for', '--reason');
      const forMs = parseDuration(opts.get('--for') ?? 'forever');
      if (forMs === undefined)
        throw new UsageError('--for takes 90s, 30m, 12h, 7d, 2w (up to ten years) or forever');
      return done({
        cmd: 'ban',
        target: banTarget(rest, opts),
        forMs,
        reason: text(opts.get('--reason'), '--reason'),
      });
    }
    case 'unban':
      allow('--ident', '--address');
      return done({ cmd: 'unban', target: banTarget(rest, opts) });
    case 'bans':
      allow();
      if (rest.length > 0) throw new UsageError('bans takes no arguments');
      return done({ cmd: 'bans' });
    case 'kick': {
      allow('--reason');
      const [nick, ...more] = rest;
      if (!isNick(nick) || more.length > 0) throw new UsageError('kick takes one nick');
      return done({ cmd: 'kick', nick, reason: text(opts.get('--reason'), '--reason') });
    }
    case 'remove': {
      allow('--reason');
      const [where, id, ...more] = rest;
      if (where === undefined || id === undefined || more.length > 0)
        throw new UsageError('remove takes ROOM (or dm:IDENT:IDENT) and a message id');
      const n = Number(id);
      if (!/^\d{1,17}$/.test(id) || !Number.isSafeInteger(n) || n < 1)
        throw new UsageError(`${id} is not a message id`);
      return done({
        cmd: 'remove',
        where: parseWhere(where),
        id: n,
        reason: text(opts.get('--reason'), '--reason'),
      });
    }
    case 'audit':
      allow('--limit');
      return done({ cmd: 'audit', limit: count(opts.get('--limit'), 50, '--limit', 1000) });
    default:
      throw new UsageError(`unknown command ${verb}\n${USAGE}`);
  }
}
