import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { isMatchRoom, ProtocolError, type StoredMessage } from '@chatfleet/protocol';
import type { Slots } from '@chatfleet/runtime';
import { Batch } from './batch.js';
import { conv as convId } from './keys.js';
import { joinScript, leaveScript } from './lua/scripts.js';
import { execAll, guarded, type StoreContext } from './context.js';
import { parseStored } from './messages.js';

const scryptAsync = promisify(scrypt) as (
  pw: string,
  salt: Buffer,
  len: number,
  o: object,
) => Promise<Buffer>;
// Cheap enough for a join, slow enough that a leaked lock key is not a password list.
const SCRYPT = { N: 16384, r: 8, p: 1 };

export interface JoinResult {
  count: number;
  members: string[];
  /** The members with their sessions, as the join found them. */
  entries: MemberEntry[];
  /** Oldest first. */
  history: StoredMessage[];
  epoch: string;
  /** With since: whether history holds every message after it. */
  recovered?: boolean;
}

/** One place in a member list: the nick it shows and the session holding it. */
export interface MemberEntry {
  nick: string;
  sid: string;
}

/** What a join may do about the room's lock; the join script checks it again atomically. */
export type LockPlan =
  /** Rejoins of the fleet's own (a match room, a restore): no check. */
  | { kind: 'any' }
  /** No password given: the room must still be unlocked. */
  | { kind: 'open' }
  /** A password for an unlocked room: lock it, if the joiner is its first member. */
  | { kind: 'create'; salt: string; hash: string }
  /** The right password: the lock must still be the one it was checked against. */
  | { kind: 'keep'; hash: string };

/** The lock the join will hold to, or 'denied' when the password is missing or wrong. */
export async function planRoomLock(
  ctx: StoreContext,
  room: string,
  password: string | undefined,
  hashing: Slots,
): Promise<LockPlan | 'denied'> {
  if (isMatchRoom(room)) return { kind: 'any' };
  const key = ctx.keys.roomLock(convId.room(room));
  const [salt, hash] = await guarded(() => ctx.redis.hmget(key, 'salt', 'hash'));
  const derive = async (pw: string, s: Buffer) => {
    const got = await hashing.run(() => scryptAsync(pw, s, 32, SCRYPT));
    if (!got) throw new ProtocolError('unavailable', 'too many password checks at once, try again');
    return got.value;
  };
  if (!salt || !hash) {
    if (password === undefined) return { kind: 'open' };
    const newSalt = randomBytes(16);
    const newHash = await derive(password, newSalt);
    return { kind: 'create', salt: newSalt.toString('base64'), hash: newHash.toString('base64') };
  }
  if (password === undefined) return 'denied';
  const got = await derive(password, Buffer.from(salt, 'base64'));
  const want = Buffer.from(hash, 'base64');
  return got.length === want.length && timingSafeEqual(got, want)
    ? { kind: 'keep', hash }
    : 'denied';
}

/** The join script refused: the lock changed since it was planned, or the room is not new. */
export class LockRefused extends Error {
  constructor(readonly why: 'locked' | 'changed' | 'occupied') {
    super(`join refused: ${why}`);
    this.name = 'LockRefused';
  }
}

/** Whether the room was opened and is still kept (its position exists). */
export async function roomExists(ctx: StoreContext, room: string): Promise<boolean> {
  return (await guarded(() => ctx.redis.exists(ctx.keys.pos(convId.room(room))))) === 1;
}

export async function isRoomLocked(ctx: StoreContext, room: string): Promise<boolean> {
  return (await guarded(() => ctx.redis.exists(ctx.keys.roomLock(convId.room(room))))) === 1;
}

export async function joinRoom(
  ctx: StoreContext,
  room: string,
  nick: string,
  sid: string,
  since: number | undefined,
  clientEpoch = '',
  plan: LockPlan = { kind: 'any' },
): Promise<JoinResult> {
  const { keys, limits } = ctx;
  const res = (await guarded(() =>
    joinScript.run(ctx.redis, keys, {
      room,
      nick,
      sid,
      since: since === undefined ? '' : since,
      historyCount: limits.joinHistory,
      ttlMs: limits.recentTtlMs,
      clientEpoch,
      plan: plan.kind === 'any' ? '' : plan.kind,
      salt: plan.kind === 'create' ? plan.salt : '',
      hash: plan.kind === 'create' || plan.kind === 'keep' ? plan.hash : '',
      leaseMs: limits.leaseMs,
    }),
  )) as [number, string[], string[], number, string, number] | ['refused', LockRefused['why']];
  if (res[0] === 'refused') throw new LockRefused(res[1]);
  if (!isMatchRoom(room)) await guarded(() => ctx.redis.sadd(keys.roomIndex(), room));
  const history = res[2].map(parseStored).filter((m): m is StoredMessage => m !== undefined);
  const entries = res[1].map(memberEntry);
  return {
    count: res[0],
    members: entries.map((e) => e.nick).sort((a, b) => a.localeCompare(b)),
    entries,
    history,
    epoch: res[4],
    ...(res[3] >= 0 ? { recovered: res[3] === 1 } : {}),
  };
}

/** Removes a member if `sid` still holds its place; returns the new count, or -1. */
export async function leaveRoom(
  ctx: StoreContext,
  room: string,
  nick: string,
  sid: string,
): Promise<number> {
  const count = (await guarded(() =>
    leaveScript.run(ctx.redis, ctx.keys, { room, nick, sid }),
  )) as number;
  if (count === 0) await dropEmptyRooms(ctx, [room]);
  return count;
}

/** Adds a `leaveRoom` (without the index upkeep) to a batch: its reply is the new count. */
export function queueLeave(
  batch: Batch,
  ctx: StoreContext,
  room: string,
  nick: string,
  sid: string,
): void {
  leaveScript.batch(batch, ctx.keys, { room, nick, sid }, 1);
}

/** Takes rooms that emptied out of the index, putting back any somebody joined meanwhile. */
export async function dropEmptyRooms(ctx: StoreContext, rooms: string[]): Promise<void> {
  const pub = rooms.filter((r) => !isMatchRoom(r));
  if (pub.length === 0) return;
  await guarded(() => ctx.redis.srem(ctx.keys.roomIndex(), ...pub));
  const batch = new Batch(ctx.redis);
  for (const r of pub) {
    const key = ctx.keys.members(convId.room(r));
    batch.add(key, (p) => p.hlen(key));
  }
  const counts = await guarded(() => batch.exec());
  const back = pub.filter((_, i) => Number(counts[i]?.[1] ?? 0) > 0);
  if (back.length > 0) await guarded(() => ctx.redis.sadd(ctx.keys.roomIndex(), ...back));
}

function memberEntry(raw: string): MemberEntry {
  try {
    const v = JSON.parse(raw) as Partial<MemberEntry>;
    return { nick: String(v.nick ?? '?'), sid: String(v.sid ?? '') };
  } catch {
    return { nick: '?', sid: '' };
  }
}

const memberNick = (raw: string): string => memberEntry(raw).nick;

export async function roomMembers(ctx: StoreContext, room: string): Promise<string[]> {
  const vals = await guarded(() => ctx.redis.hvals(ctx.keys.members(convId.room(room))));
  return vals.map(memberNick).sort((a, b) => a.localeCompare(b));
}

export interface RoomListing {
  room: string;
  count: number;
  locked: boolean;
}

/** Public rooms with members: match rooms never appear. */
export async function listRooms(ctx: StoreContext): Promise<RoomListing[]> {
  const names = await guarded(() => ctx.redis.smembers(ctx.keys.roomIndex()));
  if (names.length === 0) return [];
  const batch = new Batch(ctx.redis);
  for (const r of names) {
    const [members, lock] = [ctx.keys.members(convId.room(r)), ctx.keys.roomLock(convId.room(r))];
    batch.add(members, (p) => p.hlen(members)).add(lock, (p) => p.exists(lock));
  }
  const res = await guarded(() => batch.exec());
  const out: RoomListing[] = [];
  const empty: string[] = [];
  names.forEach((room, i) => {
    const count = Number(res[2 * i]?.[1] ?? 0);
    if (count === 0) empty.push(room);
    else if (!isMatchRoom(room))
      out.push({ room, count, locked: Number(res[2 * i + 1]?.[1] ?? 0) === 1 });
  });
  if (empty.length > 0) await pruneIndex(ctx, empty);
  return out.sort((a, b) => b.count - a.count || a.room.localeCompare(b.room));
}

/**
 * Drops names whose member list is gone, as when its lease ran out with no reaper left: the
 * index would otherwise keep them for ever. A join that lands in between adds the name again
 * with its next join; the second look keeps that window to a moment.
 */
async function pruneIndex(ctx: StoreContext, rooms: string[]): Promise<void> {
  const look = new Batch(ctx.redis);
  for (const r of rooms) {
    const key = ctx.keys.members(convId.room(r));
    look.add(key, (p) => p.exists(key));
  }
  const res = await guarded(() => look.exec());
  const gone = rooms.filter((_, i) => Number(res[i]?.[1] ?? 1) === 0);
  if (gone.length > 0) await guarded(() => ctx.redis.srem(ctx.keys.roomIndex(), ...gone));
}

/** Puts a member back without presence: after Redis lost its data, nobody saw them leave. */
export async function restoreMember(
  ctx: StoreContext,
  room: string,
  nick: string,
  sid: string,
): Promise<void> {
  const key = ctx.keys.members(convId.room(room));
  await execAll(
    ctx.redis
      .multi()
      .hset(key, nick.toLowerCase(), JSON.stringify({ nick, sid }))
      .pexpire(key, ctx.limits.leaseMs),
  );
  if (!isMatchRoom(room)) await guarded(() => ctx.redis.sadd(ctx.keys.roomIndex(), room));
}
