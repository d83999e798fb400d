import { LuaScript } from './lua-script.js';

// Liveness is judged by Redis's clock alone: a host whose clock is off by minutes is neither
// declared dead early nor kept alive after it died.
const NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/**
 * KEYS: gateways, fleet epoch. ARGV: gw, newEpoch. Renews the gateway's lease at Redis's time
 * and reads the fleet epoch (created if missing: Redis lost its data, or this is a new fleet).
 * Returns {added (1 = it was not in the list), now, epoch}; gateways use now and epoch.
 */
export const heartbeatScript = new LuaScript(
  'heartbeat',
  `${NOW}
local added = redis.call('ZADD', KEYS[1], now, ARGV[1])
local epoch = redis.call('GET', KEYS[2])
if not epoch then
  epoch = ARGV[2]
  redis.call('SET', KEYS[2], epoch)
end
return {added, string.format('%.0f', now), epoch}
`,
);

/**
 * KEYS: gateways. ARGV: 'live' | 'dead' | 'one', timeoutMs, gw (for 'one').
 * live/dead: the gateways whose lease is current / ran out; one: 1 if gw's lease is current.
 */
export const gatewaysByTimeScript = new LuaScript(
  'gateways-by-time',
  `${NOW}
local edge = now - tonumber(ARGV[2])
if ARGV[1] == 'live' then return redis.call('ZRANGEBYSCORE', KEYS[1], edge, '+inf') end
if ARGV[1] == 'dead' then return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. edge) end
local s = redis.call('ZSCORE', KEYS[1], ARGV[3])
if s and tonumber(s) >= edge then return 1 end
return 0
`,
);

/** KEYS: lock. ARGV: owner. Releases a lock only if this owner still holds it. */
export const releaseLockScript = new LuaScript(
  'release-lock',
  `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`,
);

/** KEYS: lock. ARGV: owner, ttlMs. Extends a lock only while this owner still holds it. */
export const renewLockScript = new LuaScript(
  'renew-lock',
  `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`,
);
