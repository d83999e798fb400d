import type { Logger } from '@chatfleet/runtime';
import { Batch } from './batch.js';
import { fieldsOf } from './streams/consumer-group.js';
import {
  clearAssignedScript,
  leaveScript,
  releaseLockScript,
  releaseNickScript,
  renewLockScript,
} from './lua/scripts.js';
import { guarded, type StoreContext } from './context.js';
import { deregister, type SessionRecord } from './gateways.js';
import { gatewayAlive } from './liveness.js';
import { queueClearAssigned, queueEndMatch, readAssignments } from './matches.js';
import { queueReleaseNick } from './nicks.js';
import { dropEmptyRooms, queueLeave } from './rooms.js';

// Sessions cleaned per pipeline: one round trip each, small enough to keep Redis responsive.
const CHUNK = 500;
const LOCK_MS = 30_000;

export interface ReapResult {
  /** Sessions cleaned up, or -1 when this pass did not reap (another reaper holds the lock, or the gateway came back). */
  sessions: number;
  /** Sessions whose cleanup failed this time: the gateway stays listed for the next pass. */
  failed: number;
}

/**
 * Takes over the cleanup of a dead gateway, a chunk of sessions per pipeline. A lock, renewed
 * per chunk, keeps two reapers from doing it at once; every step is idempotent, so a reaper
 * that dies halfway leaves work the next one redoes. The gateway leaves the fleet's list only
 * once nothing of it is left to clean.
 */
export async function reapGateway(
  ctx: StoreContext,
  gw: string,
  me: string,
  log: Logger,
  gatewayTimeoutMs: number,
): Promise<ReapResult> {
  const lock = ctx.keys.reapLock(gw);
  const got = await guarded(() => ctx.redis.set(lock, me, 'PX', LOCK_MS, 'NX'));
  if (got !== 'OK') return { sessions: -1, failed: 0 };
  const t0 = Date.now();
  try {
    // Before any cleanup: a gateway that was only stalled must learn its sessions are void.
    // It checks for the mark after each heartbeat, so once the mark is set, either it is still
    // dead here or it has seen the mark (and closes its sessions).
    await guarded(() => ctx.redis.set(ctx.keys.reaped(gw), me, 'PX', 3_600_000));
    if (await gatewayAlive(ctx, gw, gatewayTimeoutMs)) {
      await guarded(() => ctx.redis.del(ctx.keys.reaped(gw)));
      log.info({ gw }, 'gateway came back before its reap, left alone');
      return { sessions: -1, failed: 0 };
    }
    for (const s of [leaveScript, releaseNickScript, clearAssignedScript])
      await guarded(() => s.load(ctx.redis));
    let sessions = 0;
    let failed = 0;
    let cursor = '0';
    do {
      const [next, flat] = await guarded(() =>
        ctx.redis.hscan(ctx.keys.gatewayState(gw), cursor, 'COUNT', CHUNK),
      );
      cursor = next;
      const r = await reapChunk(ctx, gw, Object.entries(fieldsOf(flat)), log);
      sessions += r.sessions;
      failed += r.failed;
      const renewed = await guarded(() =>
        renewLockScript.run(ctx.redis, ctx.keys, { lock, owner: me, ttlMs: LOCK_MS }),
      );
      if (renewed !== 1) {
        log.warn({ gw, sessions }, 'reap lock lost, leaving the rest to its holder');
        return { sessions, failed };
      }
    } while (cursor !== '0');
    const left = await guarded(() => ctx.redis.hlen(ctx.keys.gatewayState(gw)));
    if (failed === 0 && left === 0) await deregister(ctx, gw, gatewayTimeoutMs);
    log.info({ gw, sessions, failed, left, ms: Date.now() - t0 }, 'reaped dead gateway');
    return { sessions, failed };
  } finally {
    await releaseLockScript.run(ctx.redis, ctx.keys, { lock, owner: me }).catch(() => undefined);
  }
}

/** One pipeline of cleanups, then one of record deletions for the sessions that succeeded. */
async function reapChunk(
  ctx: StoreContext,
  gw: string,
  entries: [string, string][],
  log: Logger,
): Promise<ReapResult> {
  if (entries.length === 0) return { sessions: 0, failed: 0 };
  // Paired, but the gateway died before taking the match in: the partner is queued again.
  const assigned = await readAssignments(
    ctx,
    entries.map(([sid]) => sid),
  );
  const batch = new Batch(ctx.redis);
  const plan: { sid: string; from: number; to: number; rooms: string[] }[] = [];
  let at = 0;
  for (const [sid, raw] of entries) {
    let rec: SessionRecord;
    try {
      rec = JSON.parse(raw) as SessionRecord;
    } catch {
      // An unreadable record cannot be cleaned up: drop it rather than retry it forever.
      plan.push({ sid, from: at, to: at, rooms: [] });
      continue;
    }
    const from = at;
    const a = assigned.get(sid);
    if (a && a.room !== rec.match) {
      at += queueEndMatch(batch, ctx, a.room, sid, 'gone');
      queueClearAssigned(batch, ctx, sid, a.room);
      at += 1;
    }
    if (rec.match) {
      at += queueEndMatch(batch, ctx, rec.match, sid);
    }
    for (const room of rec.rooms) queueLeave(batch, ctx, room, rec.nick, sid);
    at += rec.rooms.length;
    queueReleaseNick(batch, ctx, rec.nick, sid);
    at += 1;
    plan.push({ sid, from, to: at, rooms: rec.rooms });
  }
  const res = await guarded(() => batch.exec());
  const done: string[] = [];
  const emptied = new Set<string>();
  let failed = 0;
  for (const p of plan) {
    const errs = res.slice(p.from, p.to).filter(([err]) => err);
    if (errs.length > 0) {
      failed++;
      log.warn({ gw, sid: p.sid, err: String(errs[0]?.[0]) }, 'reap session failed');
      continue;
    }
    done.push(p.sid);
    // The leave replies sit at the end of the session's range, before the nick release.
    p.rooms.forEach((room, i) => {
      if (res[p.to - 1 - p.rooms.length + i]?.[1] === 0) emptied.add(room);
    });
  }
  if (done.length > 0) await guarded(() => ctx.redis.hdel(ctx.keys.gatewayState(gw), ...done));
  await dropEmptyRooms(ctx, [...emptied]);
  return { sessions: done.length, failed };
}
