import type { ErrorCode } from './errors.js';
import type { ClientFrame } from './frames.js';
import { GUEST_PREFIX, TAG_RE, isGuestNick, isNick, isRoom } from './names.js';

export interface ParseLimits {
  maxTextChars: number;
}

export type ParseResult =
  { ok: true; frame: ClientFrame } | { ok: false; code: ErrorCode; message: string; ref?: string };

// Control characters would let one user rewrite another's terminal (text mode shows text raw).
// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/;

class Invalid {
  constructor(
    readonly code: ErrorCode,
    readonly message: string,
  ) {}
}

const fail = (code: ErrorCode, message: string): never => {
  throw new Invalid(code, message);
};

function optString(o: Record<string, unknown>, key: string, max: number): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.length > max)
    fail('bad_frame', `${key} must be a string of at most ${max} characters`);
  wellFormed(key, v as string);
  return v as string;
}

/**
 * Refuses a lone surrogate (`"\ud800"` in JSON): it is no character in any encoding, a client
 * cannot show it, and Redis's Lua JSON decoder refuses it wherever it is stored.
 */
function wellFormed(key: string, v: string): void {
  if (!v.isWellFormed())
    fail('bad_frame', `${key} is not well-formed Unicode: it holds a lone surrogate`);
}

function optInt(o: Record<string, unknown>, key: string): number | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
    fail('bad_frame', `${key} must be a non-negative integer`);
  return v as number;
}

function room(o: Record<string, unknown>): string {
  const r = o['room'];
  if (!isRoom(r)) fail('bad_room', 'room must match [a-z0-9_-]{1,64}');
  return r as string;
}

function text(o: Record<string, unknown>, limits: ParseLimits): string {
  const t = o['text'];
  if (typeof t !== 'string') return fail('bad_frame', 'text must be a string');
  if (t.length > limits.maxTextChars)
    fail('too_large', `text is longer than ${limits.maxTextChars} characters`);
  if (t.trim().length === 0) fail('bad_frame', 'text is empty');
  wellFormed('text', t);
  if (CONTROL_RE.test(t)) fail('bad_frame', 'text contains control characters');
  return t;
}

function tags(o: Record<string, unknown>): string[] {
  const v = o['tags'];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.length > 5)
    return fail('bad_frame', 'tags must be a list of at most 5 tags');
  const out = new Set<string>();
  for (const t of v) {
    if (typeof t !== 'string' || !TAG_RE.test(t.toLowerCase()))
      fail('bad_frame', 'a tag must match [a-z0-9_-]{1,24}');
    out.add((t as string).toLowerCase());
  }
  return [...out];
}

function build(
  o: Record<string, unknown>,
  type: unknown,
  limits: ParseLimits,
  ref?: string,
): ClientFrame {
  const r = ref === undefined ? {} : { ref };
  switch (type) {
    case 'hello': {
      const nick = optString(o, 'nick', 1000);
      if (nick !== undefined && !isNick(nick))
        fail('bad_nick', 'nick must match [A-Za-z0-9_-]{1,24}');
      const token = optString(o, 'token', 128);
      if (nick !== undefined && isGuestNick(nick) && !token)
        fail('bad_nick', `${GUEST_PREFIX} nicks are given by the server: leave the nick out`);
      return { type, ...(nick ? { nick } : {}), ...(token ? { token } : {}), ...r };
    }
    case 'join': {
      const password = optString(o, 'password', 128);
      const since = optInt(o, 'since');
      const epoch = optString(o, 'epoch', 64);
      return {
        type,
        room: room(o),
        ...(password ? { password } : {}),
        ...(since !== undefined ? { since } : {}),
        ...(epoch ? { epoch } : {}),
        ...r,
      };
    }
    case 'leave':
    case 'who':
      return { type, room: room(o), ...r };
    case 'say':
      return { type, room: room(o), text: text(o, limits), ...r };
    case 'dm': {
      if (!isNick(o['to'])) fail('bad_nick', 'to must be a nick');
      return { type, to: o['to'] as string, text: text(o, limits), ...r };
    }
    case 'match':
      return { type, tags: tags(o), ...r };
    case 'history': {
      const hasRoom = o['room'] !== undefined && o['room'] !== null;
      const hasWith = o['with'] !== undefined && o['with'] !== null;
      if (hasRoom === hasWith) fail('bad_frame', 'history needs exactly one of room or with');
      if (hasWith && !isNick(o['with'])) fail('bad_nick', 'with must be a nick');
      const before = optInt(o, 'before');
      const after = optInt(o, 'after');
      const limit = optInt(o, 'limit') ?? 50;
      if (limit < 1) fail('bad_frame', 'limit must be between 1 and 100');
      return {
        type,
        ...(hasRoom ? { room: room(o) } : { with: o['with'] as string }),
        ...(before !== undefined ? { before } : {}),
        ...(after !== undefined ? { after } : {}),
        limit: Math.min(limit, 100),
        ...r,
      };
    }
    case 'block':
    case 'unblock':
    case 'report': {
      const nick = o['nick'];
      if (nick !== undefined && nick !== null && !isNick(nick))
        fail('bad_nick', 'nick must be a nick');
      if (type === 'unblock' && !isNick(nick)) fail('bad_nick', 'unblock needs a nick');
      const reason = type === 'report' ? optString(o, 'reason', 500) : undefined;
      if (reason && CONTROL_RE.test(reason))
        fail('bad_frame', 'reason contains control characters');
      const n = isNick(nick) ? { nick } : {};
      if (type === 'unblock') return { type, nick: nick as string, ...r };
      const hasRoom = o['room'] !== undefined && o['room'] !== null;
      if (hasRoom && isNick(nick)) fail('bad_frame', `${type} takes a nick or a room, not both`);
      const where = hasRoom ? { room: room(o) } : {};
      if (type === 'block') return { type, ...n, ...where, ...r };
      return { type, ...n, ...where, ...(reason ? { reason } : {}), ...r };
    }
    case 'typing': {
      const hasRoom = o['room'] !== undefined && o['room'] !== null;
      const hasTo = o['to'] !== undefined && o['to'] !== null;
      if (hasRoom === hasTo) fail('bad_frame', 'typing needs exactly one of room or to');
      if (hasTo && !isNick(o['to'])) fail('bad_nick', 'to must be a nick');
      return { type, ...(hasRoom ? { room: room(o) } : { to: o['to'] as string }), ...r };
    }
    case 'next':
    case 'rooms':
    case 'ping':
    case 'quit':
      return { type, ...r };
    default:
      return fail(
        'bad_frame',
        typeof type === 'string'
          ? `unknown frame type "${type.slice(0, 32)}"`
          : 'type must be a string',
      );
  }
}

/** Validates one decoded JSON value as a client frame. Never throws. */
export function parseValue(value: unknown, limits: ParseLimits): ParseResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, code: 'bad_frame', message: 'a frame must be a JSON object' };
  }
  const o = value as Record<string, unknown>;
  const rawRef = o['ref'];
  const ref = typeof rawRef === 'string' && rawRef.length <= 64 ? rawRef : undefined;
  try {
    if (rawRef !== undefined && rawRef !== null && ref === undefined)
      fail('bad_frame', 'ref must be a string of at most 64 characters');
    if (ref !== undefined) wellFormed('ref', ref);
    return { ok: true, frame: build(o, o['type'], limits, ref) };
  } catch (err) {
    if (err instanceof Invalid)
      return { ok: false, code: err.code, message: err.message, ...(ref ? { ref } : {}) };
    throw err;
  }
}

/** Parses one frame of JSON text. Never throws. */
export function parseFrame(text: string, limits: ParseLimits): ParseResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, code: 'bad_frame', message: 'a frame must be one JSON object' };
  }
  return parseValue(value, limits);
}

/** The ref of a frame that will not be handled (rate limited), so its refusal can carry it. */
export function peekRef(text: string): string | undefined {
  try {
    const r = (JSON.parse(text) as { ref?: unknown } | null)?.ref;
    return typeof r === 'string' && r.length <= 64 ? r : undefined;
  } catch {
    return undefined;
  }
}
