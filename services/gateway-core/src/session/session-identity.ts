import { randomBytes } from 'node:crypto';
import {
  type ClientFrame,
  GUEST_PREFIX,
  isGuestNick,
  ProtocolError,
  type SeenIds,
  type StoredMessage,
  toDmFrame,
} from '@chatfleet/protocol';
import {
  blockedBetween,
  claimNick,
  type ClaimResult,
  conv,
  dmKey,
  dmLostKey,
  nickHolder,
  releaseNick,
  routeDm,
  takeUpBlocks,
  takeMailbox,
  UnconfirmedError,
} from '@chatfleet/store';
import type { SessionState } from './session-state.js';
import { byAddress, byIdentity, charge, chargeText } from './budgets.js';
import { enqueue } from './session-match.js';

type F<T extends ClientFrame['type']> = Extract<ClientFrame, { type: T }>;

// Guest nicks are drawn from 2^40 values, so one does not come round again for someone else.
const guestNick = () => `${GUEST_PREFIX}${randomBytes(5).toString('hex')}`;

async function claim(s: SessionState, nick: string, token?: string): Promise<ClaimResult> {
  const { hub } = s;
  // Held in `claimed` until we know: a timeout may still have taken the nick in Redis.
  s.claimed.add(nick);
  const res = await claimNick(hub.store, {
    nick,
    gw: hub.gw,
    sid: s.sid,
    gatewayTimeoutMs: hub.limits.gatewayTimeoutMs,
    ...(token ? { token } : {}),
    // A rename keeps who you are (your blocks, and blocks on you), under the new nick.
    ...(s.ident ? { ident: s.ident } : {}),
    reclaimOnly: isGuestNick(nick) && token !== undefined,
  });
  if (res.status !== 'ok' && res.status !== 'replaced') s.settleClaim(nick);
  return res;
}

function refusal(nick: string, status: 'taken' | 'held' | 'gone'): ProtocolError {
  if (status === 'gone')
    return new ProtocolError('bad_nick', `${nick} is no longer held for you: leave the nick out`);
  if (status === 'held')
    return new ProtocolError(
      'nick_taken',
      `${nick} is kept for the one who used it last: come back with its token, or pick another`,
    );
  return new ProtocolError('nick_taken', `${nick} is taken`);
}

/** Names the connection (or renames it), then hands out DMs kept while the nick was offline. */
export async function onHello(s: SessionState, f: F<'hello'>): Promise<void> {
  const ref = f.ref !== undefined ? { ref: f.ref } : {};
  if (
    s.nick !== undefined &&
    (f.nick === undefined || f.nick.toLowerCase() === s.nick.toLowerCase())
  ) {
    return s.emit({ type: 'welcome', nick: s.nick, token: s.token, ...ref });
  }
  // From the claim on, DMs for the nick come live, and one can arrive before the welcome or
  // before the mailbox is read: held until both are out, so none comes before a kept one.
  s.heldDms = [];
  try {
    await claimAndWelcome(s, f, ref);
  } finally {
    const held = s.heldDms;
    s.heldDms = undefined;
    for (const m of held.sort((a, b) => a.id - b.id)) deliver(s, m, 'live');
  }
}

async function claimAndWelcome(
  s: SessionState,
  f: F<'hello'>,
  ref: { ref?: string },
): Promise<void> {
  let nick = f.nick;
  let res: ClaimResult = { status: 'taken' };
  if (nick !== undefined) {
    res = await claim(s, nick, f.token);
    if (res.status !== 'ok' && res.status !== 'replaced') throw refusal(nick, res.status);
  } else {
    for (let i = 0; i < 5 && res.status !== 'ok'; i++) {
      nick = guestNick();
      res = await claim(s, nick);
    }
    if (res.status !== 'ok' || nick === undefined)
      throw new ProtocolError('unavailable', 'no guest nick is free, pick one');
  }
  const ban = s.hub.bans.forIdent(res.ident);
  if (ban) {
    // As it was before: the nick stays kept for its token; the banned connection ends.
    await releaseNick(s.hub.store, nick, s.sid, true).catch(() => undefined);
    s.settleClaim(nick);
    s.hub.metrics.moderation.inc({ action: 'ban_refused' });
    return s.endBanned(ban, ref.ref);
  }
  if (res.status === 'replaced') await s.hub.kick(res.oldGw, res.oldSid, 'replaced');
  const old = s.nick;
  // A claim that just made the record (and cleared the nick's mailbox) left nothing to hand out;
  // on a first hello it is a new identity, with no blocks to keep either.
  const cleared = res.status === 'ok' && res.empty === true;
  const newcomer = cleared && s.ident === '';
  // The session's nick is freed with the session; only another one needs `claimed`.
  s.nick = nick;
  s.settleClaim(nick);
  s.token = res.token;
  s.ident = res.ident;
  if (old !== undefined) {
    // A rename: members lists show the new nick. Its token went with it, so the old nick is
    // free again at once rather than held for nobody.
    s.claimed.add(old);
    for (const room of s.rooms.keys()) {
      await s.hub.presence.leave(room, old, s.sid);
      await s.hub.presence.join(room, nick, s.sid);
    }
    await releaseNick(s.hub.store, old, s.sid, false);
    s.settleClaim(old);
    // The waiting ticket shows the new nick to whoever it is paired with.
    if (s.waiting) await enqueue(s, 'update');
  }
  await s.saveState();
  s.emit({ type: 'welcome', nick, token: res.token, ...ref });
  // The welcome was this hello's one reply: what follows must not answer it a second time. A
  // mailbox that cannot be taken now stays in Redis for the next welcome.
  s.blocks = undefined;
  try {
    if (!cleared) for (const m of await takeMailbox(s.hub.store, nick)) deliver(s, m, 'mailbox');
    // Read (and renewed) with every hello: typing is never shown across a block.
    s.blocks = newcomer ? new Set() : await takeUpBlocks(s.hub.store, s.ident);
  } catch (err) {
    s.hub.log.warn(
      { sid: s.sid, err: String(err) },
      'mailbox or blocks deferred to the next hello',
    );
  }
}

export async function onDm(s: SessionState, f: F<'dm'>): Promise<void> {
  const me = s.nick ?? '';
  if (f.to.toLowerCase() === me.toLowerCase())
    throw new ProtocolError('forbidden', 'you cannot DM yourself');
  const { ident: toIdent, online } = await nickHolder(s.hub.store, f.to);
  if (await blockedBetween(s.hub.store, s.ident, toIdent))
    throw new ProtocolError('forbidden', `you and ${f.to} do not take messages from each other`);
  chargeText(s, f.text);
  // A DM for someone away is kept in their mailbox for days: that is what a budget is for.
  if (!online)
    await charge(
      s,
      'offline-dms',
      [byIdentity(s), byAddress(s)],
      'too many DMs to people who are away',
    );
  let m: StoredMessage;
  let unconfirmed: UnconfirmedError | undefined;
  const c = conv.dm(s.ident, toIdent);
  // The last DM seen here in this conversation: a position behind it means Redis lost DMs.
  const seen = s.hub.dmSeen(c);
  try {
    m = await s.hub.broker.publish({
      conv: c,
      from: me,
      to: f.to,
      toIdent,
      text: f.text,
      publish: false,
      sid: s.sid,
      ...(seen ? { seen } : {}),
    });
  } catch (err) {
    // Stored but not confirmed by a replica: it is still routed; the error is the reply.
    if (!(err instanceof UnconfirmedError)) throw err;
    ({ stored: m } = err);
    unconfirmed = err;
  }
  remember(s, m);
  s.hub.dmNoted(m);
  const ack = unconfirmed === undefined && f.ref !== undefined ? { ref: f.ref } : {};
  s.emit({ ...toDmFrame(m), ...ack });
  // The DM is stored and acknowledged; if routing fails here, the history-writer routes it.
  const how = await routeDm(s.hub.store, m, 'live', s.hub.limits.gatewayTimeoutMs, {
    judgeSilence: s.hub.judgesSilence(),
  }).catch((err: unknown) => {
    s.hub.log.warn({ sid: s.sid, err: String(err) }, 'dm route deferred to the history-writer');
  });
  // The nick changed hands between the lookup and the route: the DM is the old identity's.
  if (how === 'gone') s.hub.log.info({ sid: s.sid, to: f.to }, 'dm recipient left its nick');
  if (unconfirmed) throw unconfirmed;
}

/** Whether a session with these seen DMs already showed this one (it may be routed twice). */
export function dmShown(seen: Pick<SeenIds<string>, 'has'>, m: StoredMessage): boolean {
  return seen.has(dmKey(m));
}

/** A DM routed to this session through the gateway's control channel. */
export function onDmDelivered(s: SessionState, raw: unknown): void {
  const m = raw as StoredMessage;
  if (typeof m?.id !== 'number' || typeof m.conv !== 'string' || typeof m.from !== 'string') return;
  if (s.heldDms) s.heldDms.push(m);
  else deliver(s, m, 'live');
}

function deliver(s: SessionState, m: StoredMessage, how: 'live' | 'mailbox'): void {
  if (m.lost) {
    tellDmLoss(s, { conv: m.conv, with: m.from, epoch: m.epoch ?? '', since: m.id });
    return;
  }
  if (!remember(s, m)) return;
  // Before the DM: a DM that opens a newer epoch than the last one seen here reveals a loss.
  s.hub.dmNoted(m);
  if (how === 'live')
    s.hub.metrics.delivery.observe(
      { kind: 'dm' },
      Math.max(0, s.hub.store.clock.now() - m.ts) / 1000,
    );
  s.emit(toDmFrame(m));
}

/** DMs may reach a session twice (live and replayed); ids seen recently are dropped. */
function remember(s: SessionState, m: StoredMessage): boolean {
  return s.dmSeen.add(dmKey(m));
}

/**
 * Redis lost DMs between this session's identity and `with` (a failover): says so once per
 * epoch, however many gateways found it.
 */
export function tellDmLoss(
  s: SessionState,
  l: { conv: string; with: string; epoch: string; since: number },
): void {
  if (!s.dmSeen.add(dmLostKey(l.conv, l.epoch))) return;
  s.hub.metrics.recoveryNotices.inc();
  s.emit({ type: 'resync', with: l.with, recovered: false, epoch: l.epoch, since: l.since });
}
