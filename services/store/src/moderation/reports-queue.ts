import { ProtocolError, type StoredMessage } from '@chatfleet/protocol';
import { guarded, type StoreContext } from '../context.js';
import type { Report } from '../safety.js';
import { fieldsOf, type StreamEntry } from '../streams/consumer-group.js';

/** The consumer group moderators work the reports stream through. */
export const MODERATORS_GROUP = 'moderators';

/** A report as a moderator reads it: as filed, with the context as the stream keeps it. */
export interface OpenReport extends Omit<Report, 'messages'> {
  id: string;
  /** When it was filed (ms), from its stream id. */
  at: number;
  messages: Pick<StoredMessage, 'id' | 'from' | 'text' | 'ts'>[];
  /** The moderator who took it, if one did, and for how long it has been idle with them. */
  takenBy?: string;
  idleMs?: number;
  /** Taken, but the stream trimmed it since (older than 90 days, or past 10,000). */
  trimmed?: boolean;
}

const REPORT_ID = /^\d{1,20}-\d{1,20}$/;

/** Refuses what is not a stream id, before Redis does with a less helpful error. */
export function checkReportId(id: string): void {
  if (!REPORT_ID.test(id))
    throw new ProtocolError(
      'bad_frame',
      `${id} is not a report id (they look like 1764770000000-0)`,
    );
}

function toReport(id: string, flat: string[]): OpenReport {
  const f = fieldsOf(flat);
  let messages: OpenReport['messages'] = [];
  try {
    messages = JSON.parse(f['messages'] ?? '[]') as OpenReport['messages'];
  } catch {
    // a report without readable context is still a report
  }
  return {
    id,
    at: Number(id.split('-')[0]),
    by: f['by'] ?? '',
    byIdent: f['byIdent'] ?? '',
    nick: f['nick'] ?? '',
    ident: f['ident'] ?? '',
    where: f['where'] ?? '',
    reason: f['reason'] ?? '',
    messages,
  };
}

const cmp = (a: string, b: string) => {
  const [am = 0, as = 0] = a.split('-').map(Number);
  const [bm = 0, bs = 0] = b.split('-').map(Number);
  return am - bm || as - bs;
};

/**
 * Makes the moderators' group once (every report filed so far starts open); false while no
 * report was ever filed. The stream is made by the first report, never here: an empty one
 * would be a key without expiry for nothing.
 */
export async function ensureReportsGroup(ctx: StoreContext): Promise<boolean> {
  try {
    await ctx.redis.xgroup('CREATE', ctx.keys.reports(), MODERATORS_GROUP, '0');
    return true;
  } catch (err) {
    const message = String((err as Error).message);
    if (message.includes('BUSYGROUP')) return true;
    if (message.includes('requires the key to exist')) return false;
    return guarded(() => Promise.reject(err));
  }
}

/** Where the group stands: the last report handed to a moderator, and how many are taken. */
async function groupState(ctx: StoreContext): Promise<{ lastDelivered: string; pending: number }> {
  const groups = (await guarded(() =>
    ctx.redis.xinfo('GROUPS', ctx.keys.reports()),
  )) as unknown[][];
  for (const g of groups) {
    const o: Record<string, unknown> = {};
    for (let i = 0; i + 1 < g.length; i += 2) o[String(g[i])] = g[i + 1];
    if (o['name'] === MODERATORS_GROUP)
      return { lastDelivered: String(o['last-delivered-id']), pending: Number(o['pending']) };
  }
  return { lastDelivered: '0-0', pending: 0 };
}

/** Open reports, oldest first: those taken and not done (with who has them), then the rest. */
export async function openReports(ctx: StoreContext, limit: number): Promise<OpenReport[]> {
  if (!(await ensureReportsGroup(ctx))) return [];
  const key = ctx.keys.reports();
  const { lastDelivered } = await groupState(ctx);
  const pending = (await guarded(() =>
    ctx.redis.xpending(key, MODERATORS_GROUP, '-', '+', limit),
  )) as [string, string, number, number][];
  const out: OpenReport[] = [];
  for (const [id, consumer, idle] of pending) {
    const [entry] = (await guarded(() => ctx.redis.xrange(key, id, id))) as StreamEntry[];
    const r = entry ? toReport(id, entry[1]) : { ...toReport(id, []), trimmed: true };
    out.push({ ...r, takenBy: consumer, idleMs: Number(idle) });
  }
  const rest = limit - out.length;
  if (rest > 0) {
    const fresh = (await guarded(() =>
      ctx.redis.xrange(key, `(${lastDelivered}`, '+', 'COUNT', rest),
    )) as StreamEntry[];
    for (const [id, flat] of fresh) out.push(toReport(id, flat));
  }
  return out.sort((a, b) => cmp(a.id, b.id));
}

/** How many reports are open, and when the oldest of them was filed (undefined: none). */
export async function reportsBacklog(
  ctx: StoreContext,
): Promise<{ open: number; oldestAt: number | undefined }> {
  if (!(await ensureReportsGroup(ctx))) return { open: 0, oldestAt: undefined };
  const key = ctx.keys.reports();
  const { lastDelivered, pending } = await groupState(ctx);
  const [summary, fresh] = await guarded(() =>
    Promise.all([
      ctx.redis.xpending(key, MODERATORS_GROUP) as Promise<[number, string | null, ...unknown[]]>,
      ctx.redis.xrange(key, `(${lastDelivered}`, '+', 'COUNT', 1) as Promise<StreamEntry[]>,
    ]),
  );
  // XINFO's lag would count the unread, but it is unknown once the stream was trimmed.
  const unread = fresh.length === 0 ? 0 : await countAfter(ctx, lastDelivered);
  const oldest = summary[1] ?? fresh[0]?.[0];
  return {
    open: pending + unread,
    oldestAt: oldest ? Number(oldest.split('-')[0]) : undefined,
  };
}

async function countAfter(ctx: StoreContext, after: string): Promise<number> {
  let n = 0;
  let from = `(${after}`;
  // Bounded by the stream's own bound (10,000 reports).
  for (;;) {
    const page = (await guarded(() =>
      ctx.redis.xrange(ctx.keys.reports(), from, '+', 'COUNT', 1000),
    )) as StreamEntry[];
    n += page.length;
    const last = page[page.length - 1];
    if (page.length < 1000 || !last) return n;
    from = `(${last[0]}`;
  }
}

/**
 * Hands up to `count` reports to one moderator: first any another moderator took and left idle
 * for `staleMs`, then new ones. Redis hands each report to one moderator only.
 */
export async function takeReports(
  ctx: StoreContext,
  moderator: string,
  count: number,
  staleMs: number,
): Promise<OpenReport[]> {
  if (!(await ensureReportsGroup(ctx))) return [];
  const key = ctx.keys.reports();
  const [, stale] = (await guarded(() =>
    ctx.redis.xautoclaim(key, MODERATORS_GROUP, moderator, staleMs, '0-0', 'COUNT', count),
  )) as [string, StreamEntry[]];
  const out = stale.filter((e) => e !== null).map(([id, flat]) => toReport(id, flat));
  if (out.length < count) {
    const res = (await guarded(() =>
      ctx.redis.xreadgroup(
        'GROUP',
        MODERATORS_GROUP,
        moderator,
        'COUNT',
        count - out.length,
        'STREAMS',
        key,
        '>',
      ),
    )) as [string, StreamEntry[]][] | null;
    for (const [, entries] of res ?? [])
      for (const [id, flat] of entries) out.push(toReport(id, flat));
  }
  return out.map((r) => ({ ...r, takenBy: moderator, idleMs: 0 }));
}

/** Closes a taken report. Refuses an id that is not a report, not taken yet, or done already. */
export async function finishReport(ctx: StoreContext, id: string): Promise<OpenReport> {
  checkReportId(id);
  if (!(await ensureReportsGroup(ctx)))
    throw new ProtocolError('bad_frame', `no report ${id}: none was ever filed`);
  const key = ctx.keys.reports();
  const [entry] = (await guarded(() => ctx.redis.xrange(key, id, id))) as StreamEntry[];
  const acked = await guarded(() => ctx.redis.xack(key, MODERATORS_GROUP, id));
  if (acked === 1) return entry ? toReport(id, entry[1]) : { ...toReport(id, []), trimmed: true };
  if (!entry) throw new ProtocolError('bad_frame', `no report ${id} (a wrong id, or one trimmed)`);
  const { lastDelivered } = await groupState(ctx);
  if (cmp(id, lastDelivered) > 0)
    throw new ProtocolError(
      'forbidden',
      `report ${id} is not taken yet: take it first (reports take)`,
    );
  throw new ProtocolError('forbidden', `report ${id} is done already`);
}
