import type { StoredMessage } from '@chatfleet/protocol';
import { catchUpScript, sendScript, windowRangeScript } from './lua/scripts.js';
import { guarded, pipelineEach, type StoreContext } from './context.js';
import { messageEnvelopePrefix } from './envelopes.js';
import { runConfirmed, UnconfirmedError } from './confirmed-send.js';

export interface SendInput {
  conv: string;
  from: string;
  text: string;
  room?: string;
  to?: string;
  /** A DM's recipient identity (see claim-nick): it reaches nobody else holding `to` later. */
  toIdent?: string;
  /** Publish on the conversation's live channel (rooms); DMs are routed instead. */
  publish: boolean;
  sid: string;
  ref?: string;
  /**
   * The last message the sender's gateway saw in the conversation: if Redis no longer has it
   * (a failover lost it), the message starts a new epoch rather than reuse a seq.
   */
  seen?: Seen;
}

/** A message someone saw: its conversation's epoch and its id. */
export interface Seen {
  epoch: string;
  id: number;
}

/** Where a conversation stands: its epoch, the last seq and id stamped in it. */
export interface Position {
  epoch: string;
  seq: number;
  id: number;
}

/** Appends and publishes one message atomically; resolves with the stamped message. */
export async function sendMessage(
  ctx: StoreContext,
  m: SendInput,
): Promise<StoredMessage & { epoch: string }> {
  const { keys, limits } = ctx;
  // conv first: scripts read a stored message's conversation by its prefix.
  const fields = {
    conv: m.conv,
    from: m.from,
    text: m.text,
    ...(m.room !== undefined ? { room: m.room } : {}),
    ...(m.to !== undefined ? { to: m.to } : {}),
    ...(m.toIdent !== undefined ? { toIdent: m.toIdent } : {}),
  };
  const body = JSON.stringify(fields).slice(0, -1);
  const confirm = limits.ackReplicas > 0;
  const call = sendScript.call(keys, {
    conv: m.conv,
    isRoom: m.room !== undefined,
    body,
    // Confirmed sends: the sender's live copy is not its acknowledgement (WAIT comes after).
    envelope: m.publish ? messageEnvelopePrefix(m.sid, confirm ? undefined : m.ref) : '',
    windowMax: limits.recentMax,
    ttlMs: limits.recentTtlMs,
    eventsMaxLen: limits.eventsMaxLen,
    seenEpoch: m.seen?.epoch ?? '',
    seenId: m.seen?.id ?? 0,
  });
  let replicas = 0;
  let res: [string, string, string, string];
  if (confirm) {
    const r = await runConfirmed(
      ctx.redis,
      sendScript,
      call,
      limits.ackReplicas,
      limits.ackReplicasTimeoutMs,
    );
    res = r.reply as typeof res;
    replicas = r.replicas;
  } else {
    res = (await guarded(() =>
      sendScript.script.run(ctx.redis, call.keys, call.args),
    )) as typeof res;
  }
  const stored = {
    ...fields,
    id: Number(res[0]),
    ts: Number(res[1]),
    seq: Number(res[2]),
    epoch: res[3],
  };
  if (confirm && replicas < limits.ackReplicas)
    throw new UnconfirmedError(stored, replicas, limits.ackReplicas);
  return stored;
}

/**
 * A stored message, or undefined if it is not one. Text stored before lone surrogates were
 * refused is made well-formed (U+FFFD), so no client is handed what it cannot encode.
 */
export function parseStored(raw: string): StoredMessage | undefined {
  try {
    const m = JSON.parse(raw) as StoredMessage;
    if (typeof m.id !== 'number' || typeof m.conv !== 'string') return undefined;
    if (typeof m.text === 'string' && !m.text.isWellFormed()) m.text = m.text.toWellFormed();
    return m;
  } catch {
    return undefined;
  }
}

/**
 * Up to `limit` messages between `after` and `before` (both exclusive), oldest first: the newest
 * ones, or with `after` the oldest ones, so a client can page forward through a gap. Reads the
 * recovery window and the durable history merged, since the writer may lag behind the window.
 */
export async function readHistory(
  ctx: StoreContext,
  conv: string,
  range: { before?: number | undefined; after?: number | undefined },
  limit: number,
): Promise<StoredMessage[]> {
  const max = range.before === undefined ? '+inf' : `(${range.before}`;
  const min = range.after === undefined ? '-inf' : `(${range.after}`;
  const forward = range.after !== undefined;
  const hist = ctx.keys.history(conv);
  const [window, durable] = await guarded(() =>
    Promise.all([
      windowRangeScript.run(ctx.redis, ctx.keys, { conv, ...range, limit }) as Promise<string[]>,
      forward
        ? ctx.redis.zrangebyscore(hist, min, max, 'LIMIT', 0, limit)
        : ctx.redis.zrevrangebyscore(hist, max, min, 'LIMIT', 0, limit),
    ]),
  );
  const byId = new Map<number, StoredMessage>();
  for (const raw of [...window, ...durable]) {
    const m = parseStored(raw);
    // A removal reaches the window and history in one step; a tombstone wins all the same.
    if (m && !byId.get(m.id)?.removed) byId.set(m.id, m);
  }
  const all = [...byId.values()].sort((a, b) => a.id - b.id);
  return forward ? all.slice(0, limit) : all.slice(-limit);
}

const toPosition = ([id, seq, epoch]: (string | null)[]): Position => ({
  epoch: epoch ?? '',
  seq: Number(seq ?? 0),
  id: Number(id ?? 0),
});

/** A conversation's position right now (epoch '' if it has none yet). */
export async function readPosition(ctx: StoreContext, conv: string): Promise<Position> {
  return toPosition(await guarded(() => ctx.redis.hmget(ctx.keys.pos(conv), 'id', 'seq', 'epoch')));
}

const POSITIONS_CHUNK = 1000;

/** Many conversations' positions, a pipeline per thousand. */
export async function readPositions(ctx: StoreContext, convs: string[]): Promise<Position[]> {
  const replies = await pipelineEach(
    ctx,
    convs,
    POSITIONS_CHUNK,
    (c) => ctx.keys.pos(c),
    (pipe, c) => pipe.hmget(ctx.keys.pos(c), 'id', 'seq', 'epoch'),
  );
  return replies.map((r) => toPosition(r as (string | null)[]));
}

/**
 * The position and every message after `from` in the window, read in one step. If Redis no
 * longer has the message `from` names (a failover lost it), the conversation starts a new epoch
 * first, and the position returned is in it.
 */
export async function catchUp(
  ctx: StoreContext,
  conv: string,
  from: Seen,
): Promise<{ pos: Position; messages: StoredMessage[] }> {
  const [epoch, seq, id, raw] = (await guarded(() =>
    catchUpScript.run(ctx.redis, ctx.keys, { conv, afterId: from.id, seenEpoch: from.epoch }),
  )) as [string, string, string, string[]];
  return {
    pos: { epoch, seq: Number(seq), id: Number(id) },
    messages: raw.map(parseStored).filter((m): m is StoredMessage => m !== undefined),
  };
}
