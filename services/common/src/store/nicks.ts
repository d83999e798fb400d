import { randomBytes } from 'node:crypto';
import type { StoredMessage } from '../protocol/frames.js';
import {
  claimNickScript,
  releaseNickScript,
  routeDmScript,
  takeMailboxScript,
} from '../redis/scripts.js';
import { guarded, idFromMs, type StoreContext } from './context.js';
import { parseStored } from './messages.js';

export type ClaimResult =
  | { status: 'ok'; token: string }
  | { status: 'replaced'; token: string; oldGw: string; oldSid: string }
  | { status: 'taken' };

/** Tells whether a gateway has sent a heartbeat within `timeoutMs`. */
export async function gatewayAlive(
  ctx: StoreContext,
  gw: string,
  timeoutMs: number,
): Promise<boolean> {
  const score = await guarded(() => ctx.redis.zscore(ctx.keys.gateways(), gw));
  return score !== null && Number(score) >= Date.now() - timeoutMs;
}

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
      claimNickScript.run(ctx.redis, [key], [a.nick, a.gw, a.sid, fresh, a.token ?? '', deadGw]),
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

export async function takeMailbox(ctx: StoreContext, nick: string): Promise<StoredMessage[]> {
  const lc = nick.toLowerCase();
  const raw = (await guarded(() =>
    takeMailboxScript.run(ctx.redis, [ctx.keys.mailbox(lc), ctx.keys.mailboxMark(lc)], []),
  )) as string[];
  return raw.map(parseStored).filter((m): m is StoredMessage => m !== undefined);
}

/**
 * Delivers a DM to the gateway holding the recipient (mode live), or keeps it in the
 * recipient's mailbox while they are offline. The history-writer calls it in mode store; a
 * gateway whose addressed session `goneSid` vanished before delivery calls it in mode again.
 */
export async function routeDm(
  ctx: StoreContext,
  m: StoredMessage,
  mode: 'live' | 'store' | 'again',
  gatewayTimeoutMs: number,
  goneSid = '',
): Promise<'online' | 'stored' | 'seen'> {
  const lc = (m.to ?? '').toLowerCase();
  const { keys, limits } = ctx;
  const owner = await guarded(() => ctx.redis.hget(keys.nick(lc), 'gw'));
  const dead = owner && !(await gatewayAlive(ctx, owner, gatewayTimeoutMs)) ? owner : '';
  const ctl = keys.control('\u0000');
  const [ctlPrefix, ctlSuffix] = ctl.split('\u0000') as [string, string];
  return (await guarded(() =>
    routeDmScript.run(
      ctx.redis,
      [keys.nick(lc), keys.mailbox(lc), keys.mailboxMark(lc)],
      [
        JSON.stringify(m),
        m.id,
        m.conv,
        mode,
        dead,
        ctlPrefix,
        ctlSuffix,
        '{"k":"dm",',
        limits.mailboxMax,
        idFromMs(Date.now() - limits.mailboxMaxAgeMs),
        limits.mailboxMaxAgeMs,
        goneSid,
      ],
    ),
  )) as 'online' | 'stored' | 'seen';
}
