import { randomBytes } from 'node:crypto';
import { ProtocolError, type StoredMessage } from '@chatfleet/protocol';
import {
  claimNickScript,
  markDmSeenScript,
  releaseNickScript,
  routeDmScript,
  takeMailboxScript,
} from './lua/scripts.js';
import type { Batch } from './batch.js';
import { guarded, idFromMs, type StoreContext } from './context.js';
import { gatewayAlive, gatewayListed } from './liveness.js';
import { appendInbox } from './inbox.js';
import { parseStored } from './messages.js';

export type ClaimResult =
  /** `empty`: the claim made the record and cleared the nick's mailbox: nothing to hand out. */
  | { status: 'ok'; token: string; ident: string; empty?: boolean }
  | { status: 'replaced'; token: string; ident: string; oldGw: string; oldSid: string }
  | { status: 'taken' | 'held' | 'gone' };

const secret = (bytes: number) => randomBytes(bytes).toString('base64url');

/**
 * Claims a nick fleet-wide, case-insensitively; takes it over from a dead gateway. An identity
 * (`ident`) goes with the token: DMs, the mailbox and blocks belong to it, not to the nick.
 */
export async function claimNick(
  ctx: StoreContext,
  a: {
    nick: string;
    gw: string;
    sid: string;
    token?: string;
    gatewayTimeoutMs: number;
    /** A restore: the token and identity to put back if the record is gone. */
    restore?: { token: string; ident: string };
    /** The identity to give a free nick (a rename keeps the session's); default: a new one. */
    ident?: string;
    /** Only take back a nick this token holds, never a free one. */
    reclaimOnly?: boolean;
  },
): Promise<ClaimResult> {
  const token = a.restore?.token ?? secret(18);
  const ident = a.restore?.ident ?? a.ident ?? secret(12);
  const fresh = a.restore ? 'keep' : a.reclaimOnly ? 'no' : 'new';
  const run = async (deadGw: string) =>
    (await guarded(() =>
      claimNickScript.run(ctx.redis, ctx.keys, {
        nick: a.nick,
        gw: a.gw,
        sid: a.sid,
        token,
        offered: a.token ?? '',
        deadGw,
        leaseMs: ctx.limits.leaseMs,
        ident,
        fresh,
      }),
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
  const [status, tok = token, id = ident, oldGw = '', oldSid = ''] = res;
  if (status === 'ok') return { status, token: tok, ident: id, empty: res[3] === 'new' };
  if (status === 'replaced') return { status, token: tok, ident: id, oldGw, oldSid };
  return { status: status === 'held' || status === 'gone' ? status : 'taken' };
}

/** The identity holding a nick now (online or held); `no_such_nick` if nobody does. */
export async function nickIdent(ctx: StoreContext, nick: string): Promise<string> {
  return (await nickHolder(ctx, nick)).ident;
}

/**
 * Who holds a nick, read at once: the identity, and whether it is on a connection now (not
 * only kept for its token), with the gateway and session of that connection;
 * `no_such_nick` if nobody does.
 */
export async function nickHolder(
  ctx: StoreContext,
  nick: string,
): Promise<{ ident: string; online: boolean; gw?: string; sid?: string }> {
  const [ident, gw, sid] = await guarded(() =>
    ctx.redis.hmget(ctx.keys.nick(nick.toLowerCase()), 'ident', 'gw', 'sid'),
  );
  if (!ident) throw new ProtocolError('no_such_nick', `nobody is called ${nick}`);
  return { ident, online: gw !== null, ...(gw && sid ? { gw, sid } : {}) };
}

/**
 * Gives a nick up if this session still holds it: `hold` keeps it for its token's holder for
 * nickHoldMs (a session ending); otherwise it is free at once (a rename, a claim never used).
 */
export async function releaseNick(
  ctx: StoreContext,
  nick: string,
  sid: string,
  hold: boolean,
): Promise<void> {
  await guarded(() =>
    releaseNickScript.run(ctx.redis, ctx.keys, {
      nick,
      sid,
      holdMs: hold ? ctx.limits.nickHoldMs : 0,
    }),
  );
}

/** Adds a session's `releaseNick` (with its hold) to a batch, after its match ended. */
export function queueReleaseNick(batch: Batch, ctx: StoreContext, nick: string, sid: string): void {
  releaseNickScript.batch(batch, ctx.keys, { nick, sid, holdMs: ctx.limits.nickHoldMs }, 1);
}

export async function takeMailbox(ctx: StoreContext, nick: string): Promise<StoredMessage[]> {
  const lc = nick.toLowerCase();
  const { limits } = ctx;
  const raw = (await guarded(() =>
    takeMailboxScript.run(ctx.redis, ctx.keys, {
      lcNick: lc,
      minId: idFromMs(ctx.clock.now() - limits.mailboxMaxAgeMs),
      ttlMs: limits.mailboxMaxAgeMs,
    }),
  )) as string[];
  return raw.map(parseStored).filter((m): m is StoredMessage => m !== undefined);
}

export type RouteMode = 'live' | 'store' | 'again';

/**
 * How a DM is named among those seen (the Lua of take-mailbox forms the same `conv/id`); a
 * notice of lost DMs is named once per conversation and epoch.
 */
export const dmKey = (m: StoredMessage): string =>
  m.lost ? dmLostKey(m.conv, m.epoch ?? '') : `${m.conv}/${m.id}`;

/** How a notice that Redis lost DMs of `conv` before `epoch` is named among those seen. */
export const dmLostKey = (conv: string, epoch: string): string => `${conv}/lost/${epoch}`;

/**
 * Delivers a DM to the gateway holding the recipient (through its inbox stream), or keeps it in
 * the recipient's mailbox while they are offline. Modes: `live` (the sender's gateway), `store`
 * (the history-writer's backup: only a DM nobody handed out yet), `again` (the addressed
 * session `goneSid`, or the gateway `deadGw`, vanished before delivery).
 * The inbox append comes before the mark, so a crash between them repeats a DM (sessions drop
 * an id they have shown) rather than losing it. A DM whose recipient identity no longer holds
 * the nick is `gone`: it stays in the conversation's history, and nobody else gets it.
 * `judgeSilence: false` (the caller could not reach Redis for a whole timeout until just now)
 * takes a silent owner for alive while it is still listed: after an outage every gateway looks
 * silent, and an online user's DM must not go to the mailbox; if the owner did die, its reaper
 * routes its inbox again. One no longer listed was reaped already: nobody would.
 */
export async function routeDm(
  ctx: StoreContext,
  m: StoredMessage,
  mode: RouteMode,
  gatewayTimeoutMs: number,
  past: { goneSid?: string; deadGw?: string; judgeSilence?: boolean } = {},
): Promise<'online' | 'stored' | 'seen' | 'gone'> {
  const lc = (m.to ?? '').toLowerCase();
  const { keys, limits } = ctx;
  let dead = past.deadGw ?? '';
  if (!dead) {
    const owner = await guarded(() => ctx.redis.hget(keys.nick(lc), 'gw'));
    if (owner) {
      const alive =
        (past.judgeSilence ?? true)
          ? await gatewayAlive(ctx, owner, gatewayTimeoutMs)
          : await gatewayListed(ctx, owner);
      if (!alive) dead = owner;
    }
  }
  const member = dmKey(m);
  const minId = idFromMs(ctx.clock.now() - limits.mailboxMaxAgeMs);
  const res = (await guarded(() =>
    routeDmScript.run(ctx.redis, keys, {
      lcNick: lc,
      msg: JSON.stringify(m),
      id: m.id,
      member,
      mode,
      deadGw: dead,
      goneSid: past.goneSid ?? '',
      maxCount: limits.mailboxMax,
      minId,
      ttlMs: limits.mailboxMaxAgeMs,
      ident: m.toIdent ?? '',
    }),
  )) as string[];
  if (res[0] !== 'online') return res[0] as 'stored' | 'seen' | 'gone';
  await appendInbox(ctx, res[1] ?? '', { k: 'dm', sid: res[2] ?? '', m });
  await guarded(() =>
    markDmSeenScript.run(ctx.redis, keys, {
      lcNick: lc,
      id: m.id,
      member,
      minId,
      ttlMs: limits.mailboxMaxAgeMs,
    }),
  );
  return 'online';
}
