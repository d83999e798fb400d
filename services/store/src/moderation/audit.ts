import { guarded, type StoreContext } from '../context.js';
import { appendBounded } from '../safety.js';
import { fieldsOf, type StreamEntry } from '../streams/consumer-group.js';

/** One thing a moderator did, as the audit stream keeps it. */
export interface AuditEntry {
  /** The moderator. */
  by: string;
  action: 'ban' | 'unban' | 'kick' | 'remove' | 'report-done' | 'report-take';
  /** Whom or what: an identity, an address, a nick, `room/id`, a report id. */
  target: string;
  reason: string;
  /** Anything else worth keeping, as JSON (the removed text, cut short; a ban's end). */
  detail?: Record<string, unknown>;
}

/** Appends to the audit stream, bounded like the reports stream (count and age). */
export function appendAudit(ctx: StoreContext, e: AuditEntry): Promise<string> {
  return appendBounded(ctx, ctx.keys.audit(), {
    by: e.by,
    action: e.action,
    target: e.target,
    reason: e.reason,
    detail: JSON.stringify(e.detail ?? {}),
  });
}

/** The newest `count` audit entries, newest last. */
export async function readAudit(
  ctx: StoreContext,
  count: number,
): Promise<(AuditEntry & { id: string; at: number })[]> {
  const entries = (await guarded(() =>
    ctx.redis.xrevrange(ctx.keys.audit(), '+', '-', 'COUNT', count),
  )) as StreamEntry[];
  return entries.reverse().map(([id, flat]) => {
    const f = fieldsOf(flat);
    let detail: Record<string, unknown> = {};
    try {
      detail = JSON.parse(f['detail'] ?? '{}') as Record<string, unknown>;
    } catch {
      // kept as {}
    }
    return {
      id,
      at: Number(id.split('-')[0]),
      by: f['by'] ?? '',
      action: (f['action'] ?? '') as AuditEntry['action'],
      target: f['target'] ?? '',
      reason: f['reason'] ?? '',
      detail,
    };
  });
}
