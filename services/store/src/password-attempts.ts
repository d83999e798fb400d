import { conv } from './keys.js';
import { LuaScript } from './lua/lua-script.js';
import { guarded, type StoreContext } from './context.js';

export interface PasswordLimits {
  passwordFailsPerAddress: number;
  passwordFailsPerRoom: number;
  passwordWindowMs: number;
}

/**
 * KEYS: address fails, room fails. ARGV: per address, per room, windowMs.
 * Returns the ms to wait, or 0 after counting this attempt as a failure in advance, so that
 * attempts racing from many connections cannot all pass the check before any was counted.
 */
const reserveScript = new LuaScript(
  'pw-reserve',
  `
local mine = tonumber(redis.call('GET', KEYS[1]) or '0')
local theirs = tonumber(redis.call('GET', KEYS[2]) or '0')
local key
if mine >= tonumber(ARGV[1]) then key = KEYS[1]
elseif mine > 0 and theirs >= tonumber(ARGV[2]) then key = KEYS[2] end
if key then
  local ttl = redis.call('PTTL', key)
  if ttl > 0 then return ttl end
  return tonumber(ARGV[3])
end
for _, k in ipairs(KEYS) do
  redis.call('SET', k, '0', 'PX', ARGV[3], 'NX')
  redis.call('INCR', k)
end
return 0
`,
);

/** KEYS: address fails, room fails. Gives back an attempt that turned out right. */
const refundScript = new LuaScript(
  'pw-refund',
  `
for _, k in ipairs(KEYS) do
  if tonumber(redis.call('GET', k) or '0') > 0 then redis.call('DECR', k) end
end
return 1
`,
);

const keysOf = (ctx: StoreContext, room: string, address: string) => [
  ctx.keys.passwordFailsAddress(address),
  ctx.keys.passwordFailsRoom(conv.room(room)),
];

/**
 * Takes one password attempt for this address on this room, counted fleet-wide; resolves with
 * how long (ms) to wait instead, or 0 if the attempt may go ahead. The attempt counts as wrong
 * until `refundPasswordAttempt` says otherwise. A room under attack refuses only addresses
 * that have failed already: someone arriving with the right password still gets in at once.
 */
export async function reservePasswordAttempt(
  ctx: StoreContext,
  room: string,
  address: string,
  l: PasswordLimits,
): Promise<number> {
  const wait = await guarded(() =>
    reserveScript.run(ctx.redis, keysOf(ctx, room, address), [
      l.passwordFailsPerAddress,
      l.passwordFailsPerRoom,
      l.passwordWindowMs,
    ]),
  );
  return Number(wait);
}

/** The reserved attempt was right: it does not count against anyone. */
export async function refundPasswordAttempt(
  ctx: StoreContext,
  room: string,
  address: string,
): Promise<void> {
  await guarded(() => refundScript.run(ctx.redis, keysOf(ctx, room, address), []));
}
