import { randomBytes } from 'node:crypto';
import type { ChainableCommander } from 'ioredis';
import type { StoredMessage } from '../protocol/frames.js';
import {
  claimNickScript,
  markDmSeenScript,
  releaseNickScript,
  routeDmScript,
  takeMailboxScript,
} from '../redis/scripts.js';
import { guarded, idFromMs, type StoreContext } from './context.js';
import { gatewayAlive } from './liveness.js';
import { appendInbox } from './inbox.js';
import { parseStored } from './messages.js';

export type ClaimResult =
  | { status: 'ok'; token: string }
  | { status: 'replaced'; token: string; oldGw: string; oldSid: string }
  | { status: 'taken' };

/** Claims a nick fleet-wide, case-insensitively; takes it over from a dead gateway. */
export async function claimNick(
  ctx: StoreContext,
  a: {
    nick: string;
    gw: string;
    sid: string;
    token?: string;
    gatewayTimeoutMs: number;
    /** The token to store if the nick is free (default: a new one). */
    newToken?: string;
  },
): Promise<ClaimResult> {
  const key = ctx.keys.nick(a.nick.toLowerCase());
  const fresh = a.newToken ?? randomBytes(18).toString('base64url');
  const run = async (deadGw: string) =>
    (await guarded(() =>
      claimNickScript.run(
        ctx.redis,
        [key],
        [a.nick, a.gw, a.sid, fresh, a.token ?? '', deadGw, ctx.limits.leaseMs],
      ),
    )) as string[];
  let res = await run('');
  if (
    res[0] === 'taken' &&
    res[1] &&
    res[1] !== a.gw &&
    !(await gatewayAlive(ctx, res[1], a.gatewayTimeoutMs))
  ) {
    res = await run(res[1]);
  }
  if (res[0] === 'ok') return { status: 'ok', token: res[1] ?? fresh };
  if (res[0] === 'replaced')
    return {
      status: 'replaced',
      token: res[1] ?? fresh,
      oldGw: res[2] ?? '',
      oldSid: res[3] ?? '',
    };
  return { status: 'taken' };
}

export async function releaseNick(ctx: StoreContext, nick: string, sid: string): Promise<void> {
  await guarded(() => releaseNickScript.run(ctx.redis, [ctx.keys.nick(nick.toLowerCase())], [sid]));
}

/** Adds a `releaseNick` to a pipeline. */
export function queueReleaseNick(
  pipe: ChainableCommander,
  ctx: StoreContext,
  nick: string,
  sid: string,
): void {
  releaseNickScript.queue(pipe, [ctx.keys.nick(nick.toLowerCase())], [sid]);
}

export async function takeMailbox(ctx: StoreContext, nick: string): Promise<StoredMessage[]> {
  const lc = nick.toLowerCase();
  const { limits } = ctx;
  const raw = (await guarded(() =>
    takeMailboxScript.run(
      ctx.redis,
      [ctx.keys.mailbox(lc), ctx.keys.dmSeen(lc)],
      [idFromMs(ctx.clock.now() - limits.mailboxMaxAgeMs), limits.mailboxMaxAgeMs],
    ),
  )) as string[];
  return raw.map(parseStored).filter((m): m is StoredMessage => m !== undefined);
}

export type RouteMode = 'live' | 'store' | 'again';

/** How a DM is named among those seen (the Lua of take-mailbox forms the same `conv/id`). */
export const dmKey = (m: StoredMessage): string => `${m.conv}/${m.id}`;

/**
 * Delivers a DM to the gateway holding the recipient (through its inbox stream), or keeps it in
 * the recipient's mailbox while they are offline. Modes: `live` (the sender's gateway), `store`
 * (the history-writer's backup: only a DM nobody handed out yet), `again` (the addressed
 * session `goneSid`, or the gateway `deadGw`, vanished before delivery).
 * The inbox append comes before the mark, so a crash between them repeats a DM (sessions drop
 * an id they have shown) rather than losing it.
 */
export async function routeDm(
  ctx: StoreContext,
  m: StoredMessage,
  mode: RouteMode,
  gatewayTimeoutMs: number,
  past: { goneSid?: string; deadGw?: string } = {},
): Promise<'online' | 'stored' | 'seen'> {
  const lc = (m.to ?? '').toLowerCase();
  const { keys, limits } = ctx;
  let dead = past.deadGw ?? '';
  if (!dead) {
    const owner = await guarded(() => ctx.redis.hget(keys.nick(lc), 'gw'));
    if (owner && !(await gatewayAlive(ctx, owner, gatewayTimeoutMs))) dead = owner;
  }
  const member = dmKey(m);
  const minId = idFromMs(ctx.clock.now() - limits.mailboxMaxAgeMs);
  const res = (await guarded(() =>
    routeDmScript.run(
      ctx.redis,
      [keys.nick(lc), keys.mailbox(lc), keys.dmSeen(lc)],
      [
        JSON.stringify(m),
        m.id,
        member,
        mode,
        dead,
        past.goneSid ?? '',
        limits.mailboxMax,
        minId,
        limits.mailboxMaxAgeMs,
      ],
    ),
  )) as string[];
  if (res[0] !== 'online') return res[0] as 'stored' | 'seen';
  await appendInbox(ctx, res[1] ?? '', { k: 'dm', sid: res[2] ?? '', m });
  await guarded(() =>
    markDmSeenScript.run(
      ctx.redis,
      [keys.dmSeen(lc)],
      [m.id, member, minId, limits.mailboxMaxAgeMs],
    ),
  );
  return 'online';
}
