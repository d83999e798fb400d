import { spendBudgetScript } from './lua/scripts.js';
import { guarded, type StoreContext } from './context.js';

/** What one address or identity may make Redis keep, per window, fleet-wide. */
export interface Budget {
  kind: 'reports' | 'rooms' | 'offline-dms';
  limit: number;
  windowMs: number;
}

/** Spends from `who`'s budget of this kind: 0, or the ms until it may spend again. */
export async function spendBudget(
  ctx: StoreContext,
  b: Budget,
  who: string,
  cost = 1,
): Promise<number> {
  const res = await guarded(() =>
    spendBudgetScript.run(ctx.redis, ctx.keys, {
      kind: b.kind,
      who,
      cost,
      limit: b.limit,
      windowMs: b.windowMs,
    }),
  );
  return Number(res);
}
