import { LuaScript } from './lua/lua-script.js';
import { guarded, type StoreContext } from './context.js';

/**
 * KEYS: counter. ARGV: cost, limit, windowMs. Spends `cost` from a fixed window if it fits;
 * returns 0, or the ms until the window ends (nothing spent).
 */
const spendScript = new LuaScript(
  'spend-budget',
  `
local cost = tonumber(ARGV[1])
local n = redis.call('INCRBY', KEYS[1], cost)
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  ttl = tonumber(ARGV[3])
end
if n > tonumber(ARGV[2]) then
  redis.call('DECRBY', KEYS[1], cost)
  return ttl
end
return 0
`,
);

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
    spendScript.run(ctx.redis, [ctx.keys.budget(b.kind, who)], [cost, b.limit, b.windowMs]),
  );
  return Number(res);
}
