import { setTimeout as sleep } from 'node:timers/promises';
import { type Continuity, type Logger, untilAborted, type RedisClient } from '@chatfleet/runtime';
import { Cluster } from 'ioredis';
import { Batch } from '../batch.js';
import { execAll } from '../context.js';

export type StreamEntry = [id: string, fields: string[]];

export interface ConsumerGroupOptions {
  /** Commands: group creation, claims, acknowledgements. */
  redis: RedisClient;
  /** A connection of its own for the blocking read. */
  reader: RedisClient;
  streams: string[];
  group: string;
  consumer: string;
  /** Entries another consumer left pending this long are taken over. */
  claimIdleMs: number;
  count: number;
  /**
   * After a batch smaller than `count`, wait this long before reading again, so a trickle is
   * read in batches rather than one entry per round trip (0: read again at once).
   */
  lingerMs?: number;
  log: Logger;
  /**
   * Handles what one read returned, from every stream in it (in the order of `streams`), at
   * most `count` entries a call; they are acknowledged only after every call resolved.
   */
  handle(entries: StreamEntry[]): Promise<void>;
  onReclaimed?(count: number): void;
  afterBatch?(): Promise<void>;
  /** Told of every round that reached Redis, and of every one that failed. */
  continuity?: Continuity;
}

export function fieldsOf(flat: string[]): Record<string, string> {
  const o: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) o[flat[i] ?? ''] = flat[i + 1] ?? '';
  return o;
}

async function ensureGroups(o: ConsumerGroupOptions): Promise<void> {
  for (const stream of o.streams) {
    try {
      await o.redis.xgroup('CREATE', stream, o.group, '0', 'MKSTREAM');
    } catch (err) {
      if (!(err instanceof Error && err.message.includes('BUSYGROUP'))) throw err;
    }
  }
}

type StreamBatch = [stream: string, entries: StreamEntry[]];

/** One handle and one round trip of acknowledgements per read, however many streams it spans. */
async function handleAndAck(o: ConsumerGroupOptions, batches: StreamBatch[]): Promise<void> {
  // Entries whose data was trimmed away come back with no fields: acknowledge, nothing to do.
  const valid = batches.flatMap(([, entries]) => entries.filter((e) => Array.isArray(e[1])));
  // A read returns up to `count` per stream: handled `count` at a time, as big pipelines of
  // thousands of commands were slower per entry (history-writer drain: 66k/s against 47k/s).
  for (let i = 0; i < valid.length; i += o.count) await o.handle(valid.slice(i, i + o.count));
  const acks = new Batch(o.redis);
  for (const [stream, entries] of batches) {
    const ids = entries.map((e) => e[0]);
    if (ids.length > 0) acks.add(stream, (p) => p.xack(stream, o.group, ...ids));
  }
  if (acks.length > 0) await execAll(acks);
}

async function reclaim(o: ConsumerGroupOptions): Promise<void> {
  for (const stream of o.streams) {
    let cursor = '0-0';
    do {
      const [next, claimed] = (await o.redis.xautoclaim(
        stream,
        o.group,
        o.consumer,
        o.claimIdleMs,
        cursor,
        'COUNT',
        o.count,
      )) as [string, StreamEntry[]];
      if (claimed.length > 0) {
        o.onReclaimed?.(claimed.length);
        o.log.info({ stream, count: claimed.length }, 'reclaimed pending entries');
        await handleAndAck(o, [[stream, claimed]]);
      }
      cursor = next;
    } while (cursor !== '0-0');
  }
}

// On Redis Cluster the streams sit in many slots, which one blocking XREADGROUP cannot span:
// each node's streams are read at once without blocking, and an empty round waits this long.
const CLUSTER_POLL_MS = 100;

/** One read of every stream: one blocking XREADGROUP, or on a cluster one per stream by node. */
async function readAll(o: ConsumerGroupOptions): Promise<StreamBatch[] | null> {
  if (!(o.reader instanceof Cluster)) {
    return (await o.reader.xreadgroup(
      'GROUP',
      o.group,
      o.consumer,
      'COUNT',
      o.count,
      'BLOCK',
      5000,
      'STREAMS',
      ...o.streams,
      ...o.streams.map(() => '>'),
    )) as StreamBatch[] | null;
  }
  const batch = new Batch(o.reader);
  for (const s of o.streams) {
    batch.add(s, (p) =>
      p.xreadgroup('GROUP', o.group, o.consumer, 'COUNT', o.count, 'STREAMS', s, '>'),
    );
  }
  const replies = await execAll(batch);
  return replies.flatMap(([, r]) => (r as StreamBatch[] | null) ?? []);
}

/**
 * At-least-once consumption of streams with a consumer group: a batch is acknowledged only
 * after it was handled, so a crash leaves it pending, and what a dead consumer left pending is
 * claimed after claimIdleMs. Returns when `signal` aborts (BLOCK is 5 s at most; disconnect the
 * reader to return at once; a read stuck while Redis is away is abandoned on abort).
 */
export async function runConsumerGroup(
  o: ConsumerGroupOptions,
  signal: AbortSignal,
): Promise<void> {
  let lastClaim = 0;
  let groupsReady = false;
  while (!signal.aborted) {
    const started = performance.now();
    try {
      if (!groupsReady) {
        await ensureGroups(o);
        groupsReady = true;
      }
      if (Date.now() - lastClaim >= o.claimIdleMs / 2) {
        lastClaim = Date.now();
        await reclaim(o);
      }
      const res = (await untilAborted(readAll(o), signal)) as StreamBatch[] | null | undefined;
      if (res === undefined) break; // aborted before Redis answered; a reply that came is handled
      const read = (res ?? []).reduce((n, [, entries]) => n + entries.length, 0);
      if (read === 0 && o.reader instanceof Cluster)
        await sleep(CLUSTER_POLL_MS, undefined, { signal }).catch(() => undefined);
      if (res) await handleAndAck(o, res);
      if (res && o.afterBatch) await o.afterBatch();
      o.continuity?.ok(started);
      if (o.lingerMs && read > 0 && read < o.count)
        await sleep(o.lingerMs, undefined, { signal }).catch(() => undefined);
    } catch (err) {
      if (signal.aborted) break;
      o.continuity?.failed();
      // A Redis that restarted without its data has lost the groups too.
      if (err instanceof Error && err.message.includes('NOGROUP')) groupsReady = false;
      const cause = err instanceof Error && err.cause ? String(err.cause) : undefined;
      o.log.warn({ err: String(err), cause }, 'stream loop error');
      await sleep(500, undefined, { signal }).catch(() => undefined);
    }
  }
}
