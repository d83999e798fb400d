import type { ChainableCommander } from 'ioredis';
import { InternalError, ProtocolError, UnavailableError } from '@chatfleet/protocol';
import type { FleetClock, RedisClient } from '@chatfleet/runtime';
import type { Keys } from './keys.js';
import { Batch, type Reply } from './batch.js';

/** Retention and window sizes shared by the gateways and the history-writer. */
export interface StoreLimits {
  recentMax: number;
  recentTtlMs: number;
  eventsMaxLen: number;
  joinHistory: number;
  mailboxMax: number;
  mailboxMaxAgeMs: number;
  /**
   * What a gateway holds for its sessions (nick claims, places in member lists, its session
   * records) expires this long after the gateway last renewed it, reaper or not.
   */
  leaseMs: number;
  /** A finished match's messages, position and history are kept this long, then expire. */
  matchKeepMs: number;
  /** A nick whose holder left stays theirs (with its mailbox) this long, for its token. */
  nickHoldMs: number;
  /**
   * ACK_REPLICAS: a message is acknowledged only once this many replicas have it (WAIT), or
   * refused as `unconfirmed` after `ackReplicasTimeoutMs`; 0 acknowledges on the primary's word.
   */
  ackReplicas: number;
  ackReplicasTimeoutMs: number;
}

export const DEFAULT_STORE_LIMITS: StoreLimits = {
  recentMax: 500,
  recentTtlMs: 30 * 24 * 3600 * 1000,
  eventsMaxLen: 100_000,
  joinHistory: 20,
  mailboxMax: 100,
  mailboxMaxAgeMs: 7 * 24 * 3600 * 1000,
  leaseMs: 60_000,
  matchKeepMs: 600_000,
  nickHoldMs: 24 * 3600 * 1000,
  ackReplicas: 0,
  ackReplicasTimeoutMs: 1000,
};

export interface StoreContext {
  redis: RedisClient;
  keys: Keys;
  limits: StoreLimits;
  /** Redis's clock, estimated (message ages, mailbox trims); a gateway's heartbeats teach it. */
  clock: FleetClock;
}

// Replies that mean "Redis cannot serve right now" (loading, failing over, a script running
// too long); anything else Redis answers (OOM, WRONGTYPE…) is our problem, not the network's.
const TRANSIENT_REPLY = /^(LOADING|BUSY|MASTERDOWN|READONLY|TRYAGAIN|CLUSTERDOWN)\b/;

/** Tells a Redis failure the client can retry (`unavailable`) from one it cannot. */
export function classifyRedisError(err: unknown): ProtocolError {
  if (err instanceof ProtocolError) return err;
  const e = err as { name?: string; message?: string } | undefined;
  // ioredis marks answers from the server as ReplyError; everything else is the connection.
  if (e?.name === 'ReplyError' && !TRANSIENT_REPLY.test(e.message ?? ''))
    return new InternalError(err);
  return new UnavailableError(err);
}

/** Runs a Redis call; a failure becomes `unavailable` or `internal` for the client. */
export async function guarded<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw classifyRedisError(err);
  }
}

/**
 * Runs a pipeline, a MULTI or a `Batch`, whose replies carry each command's error: the first
 * one fails the call, classified as `guarded` does.
 */
export async function execAll(pipe: ChainableCommander | Batch): Promise<Reply[]> {
  const res = (await guarded(() => pipe.exec())) ?? [];
  const failed = res.find(([err]) => err)?.[0];
  if (failed) throw classifyRedisError(failed);
  return res;
}

/**
 * One command per item (on the key `keyOf` names), sent `chunk` items at a time; the replies
 * in item order. A failed command fails the call, as in `execAll`.
 */
export async function pipelineEach<T>(
  ctx: StoreContext,
  items: readonly T[],
  chunk: number,
  keyOf: (item: T) => string,
  queue: (pipe: ChainableCommander, item: T) => void,
): Promise<unknown[]> {
  const out: unknown[] = [];
  for (let i = 0; i < items.length; i += chunk) {
    const batch = new Batch(ctx.redis);
    for (const item of items.slice(i, i + chunk)) batch.add(keyOf(item), (p) => queue(p, item));
    for (const [, reply] of await execAll(batch)) out.push(reply);
  }
  return out;
}

/** Message ids carry their time: id = ms * 1000 + n. */
export const idFromMs = (ms: number) => ms * 1000;
