import { LuaScript } from '@chatfleet/store';

/**
 * KEYS: queue, tickets, version. ARGV: op, sid, v, ticketJson, score, versionTtlMs.
 * Applies a request unless a newer one of the same session was applied already. `update`
 * replaces a ticket still waiting, keeping its place; one paired meanwhile stays paired.
 */
export const applyRequestScript = new LuaScript(
  'mm-apply',
  `
local cur = tonumber(redis.call('GET', KEYS[3]) or '0')
if tonumber(ARGV[3]) <= cur then return 0 end
redis.call('SET', KEYS[3], ARGV[3], 'PX', ARGV[6])
if ARGV[1] == 'update' then
  if redis.call('HEXISTS', KEYS[2], ARGV[2]) == 0 then return 0 end
  redis.call('HSET', KEYS[2], ARGV[2], ARGV[4])
  return 1
end
if ARGV[1] == 'match' then
  redis.call('HSET', KEYS[2], ARGV[2], ARGV[4])
  redis.call('ZADD', KEYS[1], ARGV[5], ARGV[2])
else
  redis.call('HDEL', KEYS[2], ARGV[2])
  redis.call('ZREM', KEYS[1], ARGV[2])
end
return 1
`,
);

/**
 * KEYS: queue, tickets, metA, metB, match, assignedA, assignedB. ARGV: sidA, sidB, rawA,
 * rawB, matchJson, matchTtlMs, repeatBlockMs, metA, metB (what each met, this pair included),
 * assignmentA, assignmentB.
 * Commits a pair only if both tickets are still exactly as read: several instances may race.
 * The assignments stay until each gateway has taken its side in, so a `matched` lost on the
 * way (the matchmaker died before telling a gateway) is still found.
 */
export const commitPairScript = new LuaScript(
  'mm-pair',
  `
if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[3] or redis.call('HGET', KEYS[2], ARGV[2]) ~= ARGV[4] then
  return 0
end
redis.call('HDEL', KEYS[2], ARGV[1], ARGV[2])
redis.call('ZREM', KEYS[1], ARGV[1], ARGV[2])
redis.call('SET', KEYS[5], ARGV[5], 'PX', ARGV[6])
if tonumber(ARGV[7]) > 0 then
  redis.call('SET', KEYS[3], ARGV[8], 'PX', ARGV[7])
  redis.call('SET', KEYS[4], ARGV[9], 'PX', ARGV[7])
end
redis.call('SET', KEYS[6], ARGV[10], 'PX', ARGV[6])
redis.call('SET', KEYS[7], ARGV[11], 'PX', ARGV[6])
return 1
`,
);

/** KEYS: queue, tickets. ARGV: sid, raw. Drops a ticket if it is still the one read. */
export const dropTicketScript = new LuaScript(
  'mm-drop',
  `
if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[1], ARGV[1])
return 1
`,
);
