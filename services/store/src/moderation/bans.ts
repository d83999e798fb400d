import { ProtocolError } from '@chatfleet/protocol';
import { execAll, guarded, type StoreContext } from '../context.js';

/** Active bans a fleet may hold: enough for any moderation team, bounded for the gateways. */
export const MAX_BANS = 10_000;

export type BanKind = 'ident' | 'address';

/** One ban as stored (JSON in the bans hash) and as every gateway holds it. */
export interface Ban {
  kind: BanKind;
  /** An identity id, or an address / prefix as parseBanAddress writes it. */
  value: string;
  /** The nick the identity held when banned (for people reading the list). */
  nick?: string;
  reason: string;
  /** The moderator. */
  by: string;
  /** When it was made, and when it ends (ms since the epoch; 0 = never). */
  at: number;
  until: number;
}

export const banField = (kind: BanKind, value: string) => `${kind}:${value}`;

export const banActive = (b: Ban, now: number) => b.until === 0 || b.until > now;

/** How long a ban lasts, as people read it: `for good`, or `until 2026-12-10T13:58:40Z`. */
export const banTerm = (b: Ban): string =>
  b.until === 0 ? 'for good' : `until ${new Date(b.until).toISOString().replace(/\.\d{3}Z$/, 'Z')}`;

function parseBan(raw: string): Ban | undefined {
  try {
    const b = JSON.parse(raw) as Ban;
    return (b.kind === 'ident' || b.kind === 'address') && typeof b.value === 'string'
      ? b
      : undefined;
  } catch {
    return undefined;
  }
}

/** Every stored ban, active or not, with the version they were read at. */
export async function readBans(ctx: StoreContext): Promise<{ version: string; bans: Ban[] }> {
  const [[, version], [, all]] = (await execAll(
    ctx.redis.multi().get(ctx.keys.bansVersion()).hgetall(ctx.keys.bans()),
  )) as [[null, string | null], [null, Record<string, string>]];
  const bans = Object.values(all ?? {})
    .map(parseBan)
    .filter((b): b is Ban => b !== undefined);
  return { version: version ?? '0', bans };
}

/** The bans' version now: gateways read the bans again only when it moved. */
export async function bansVersion(ctx: StoreContext): Promise<string> {
  return (await guarded(() => ctx.redis.get(ctx.keys.bansVersion()))) ?? '0';
}

/** Forgets bans that ended (a hash field has no expiry of its own); returns the active ones. */
export async function pruneBans(ctx: StoreContext, now: number): Promise<Ban[]> {
  const { bans } = await readBans(ctx);
  const ended = bans.filter((b) => !banActive(b, now));
  if (ended.length > 0)
    await execAll(
      ctx.redis
        .multi()
        .hdel(ctx.keys.bans(), ...ended.map((b) => banField(b.kind, b.value)))
        .incr(ctx.keys.bansVersion()),
    );
  return bans.filter((b) => banActive(b, now));
}

/** Stores a ban (replacing one on the same identity or address); false if it replaced one. */
export async function addBan(ctx: StoreContext, ban: Ban): Promise<boolean> {
  const active = await pruneBans(ctx, ban.at);
  const field = banField(ban.kind, ban.value);
  if (active.length >= MAX_BANS && !active.some((b) => banField(b.kind, b.value) === field))
    throw new ProtocolError('forbidden', `${MAX_BANS} bans are active: lift some first`);
  const [[, added]] = (await execAll(
    ctx.redis
      .multi()
      .hset(ctx.keys.bans(), field, JSON.stringify(ban))
      .incr(ctx.keys.bansVersion()),
  )) as [[null, number]];
  return added === 1;
}

/** Lifts a ban; the lifted ban, or undefined when there was none. */
export async function removeBan(
  ctx: StoreContext,
  kind: BanKind,
  value: string,
): Promise<Ban | undefined> {
  const field = banField(kind, value);
  const [[, raw], [, n]] = (await execAll(
    ctx.redis
      .multi()
      .hget(ctx.keys.bans(), field)
      .hdel(ctx.keys.bans(), field)
      .incr(ctx.keys.bansVersion()),
  )) as [[null, string | null], [null, number]];
  return n === 1 && raw ? parseBan(raw) : undefined;
}
