import { LuaScript } from './lua-script.js';

// Message ids: max(last + 1, now_ms * 1000). Strictly increasing per conversation, close to
// wall time, safe integers in JSON, and still increasing if Redis lost its data.
const STAMP = `
local t = redis.call('TIME')
local ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local last = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
local id = ms * 1000
if id <= last then id = last + 1 end
local ids = string.format('%.0f', id)
local mss = string.format('%.0f', ms)
redis.call('HSET', KEYS[1], ARGV[1], ids)
`;

/**
 * KEYS: seq, recent, events, lock. ARGV: conv, bodyPrefix, recentMax, recentTtlMs,
 * eventsMaxLen, channel ('' for none), envelopePrefix. Appends the stamped message to the
 * recovery window and the partition stream, then publishes it: one order, decided once.
 */
export const sendScript = new LuaScript(
  'send',
  `${STAMP}
local msg = ARGV[2] .. ',"id":' .. ids .. ',"ts":' .. mss .. '}'
redis.call('ZADD', KEYS[2], id, msg)
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(tonumber(ARGV[3]) + 1))
redis.call('PEXPIRE', KEYS[2], ARGV[4])
redis.call('PEXPIRE', KEYS[4], ARGV[4])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[5], '*', 'c', ARGV[1], 'm', msg)
if ARGV[6] ~= '' then redis.call('PUBLISH', ARGV[6], ARGV[7] .. msg .. '}') end
return {ids, mss}
`,
);

/**
 * KEYS: members, recent, lock. ARGV: lcNick, memberJson, channel, presencePrefix, since
 * ('' = last historyCount), historyCount, maxSince, lockTtlMs. Adds the member, publishes
 * presence and returns {count, members, history} in one step.
 */
export const joinScript = new LuaScript(
  'join',
  `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
local count = redis.call('HLEN', KEYS[1])
redis.call('PUBLISH', ARGV[3], ARGV[4] .. ',"event":"join","count":' .. count .. '}')
local history
if ARGV[5] == '' then
  history = redis.call('ZRANGE', KEYS[2], -tonumber(ARGV[6]), -1)
else
  history = redis.call('ZREVRANGEBYSCORE', KEYS[2], '+inf', '(' .. ARGV[5], 'LIMIT', 0, ARGV[7])
end
if redis.call('EXISTS', KEYS[3]) == 1 then redis.call('PEXPIRE', KEYS[3], ARGV[8]) end
return {count, redis.call('HVALS', KEYS[1]), history, ARGV[5] == '' and 0 or 1}
`,
);

/** KEYS: members. ARGV: lcNick, sid, channel, presencePrefix. Removes the member if sid still holds it. */
export const leaveScript = new LuaScript(
  'leave',
  `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if not cur or not string.find(cur, '"sid":"' .. ARGV[2] .. '"', 1, true) then return -1 end
redis.call('HDEL', KEYS[1], ARGV[1])
local count = redis.call('HLEN', KEYS[1])
redis.call('PUBLISH', ARGV[3], ARGV[4] .. ',"event":"leave","count":' .. count .. '}')
return count
`,
);

/** KEYS: lock. ARGV: salt, hash, ttlMs. Locks an unlocked room; returns the lock in force. */
export const lockRoomScript = new LuaScript(
  'lock-room',
  `
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], 'salt', ARGV[1], 'hash', ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
return redis.call('HMGET', KEYS[1], 'salt', 'hash')
`,
);

/**
 * KEYS: nick. ARGV: nick, gw, sid, newToken, offeredToken, deadGw.
 * Returns {'ok', token} | {'replaced', token, oldGw, oldSid} | {'taken', ownerGw}.
 */
export const claimNickScript = new LuaScript(
  'claim-nick',
  `
local cur = redis.call('HMGET', KEYS[1], 'gw', 'sid', 'token')
if not cur[1] or (ARGV[6] ~= '' and cur[1] == ARGV[6]) then
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[1], 'nick', ARGV[1], 'gw', ARGV[2], 'sid', ARGV[3], 'token', ARGV[4])
  return {'ok', ARGV[4]}
end
if cur[2] == ARGV[3] then return {'ok', cur[3]} end
if ARGV[5] ~= '' and ARGV[5] == cur[3] then
  redis.call('HSET', KEYS[1], 'nick', ARGV[1], 'gw', ARGV[2], 'sid', ARGV[3])
  return {'replaced', cur[3], cur[1], cur[2]}
end
return {'taken', cur[1]}
`,
);

/** KEYS: nick. ARGV: sid. Releases the nick only if this session still holds it. */
export const releaseNickScript = new LuaScript(
  'release-nick',
  `
if redis.call('HGET', KEYS[1], 'sid') == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`,
);

/** KEYS: mailbox, mark. Hands out every kept DM once and remembers the highest id per conversation. */
export const takeMailboxScript = new LuaScript(
  'take-mailbox',
  `
local items = redis.call('ZRANGE', KEYS[1], 0, -1)
for _, raw in ipairs(items) do
  local m = cjson.decode(raw)
  local prev = tonumber(redis.call('HGET', KEYS[2], m.conv) or '0')
  if m.id > prev then redis.call('HSET', KEYS[2], m.conv, string.format('%.0f', m.id)) end
end
redis.call('DEL', KEYS[1])
redis.call('PEXPIRE', KEYS[2], 604800000)
return items
`,
);

/**
 * KEYS: nick, mailbox, mark. ARGV: msg, id, conv, mode ('live' | 'store' | 'again'), deadGw,
 * controlPrefix, controlSuffix, envelopePrefix, maxCount, minId, ttlMs, goneSid.
 * Online: publish to the holder's gateway (modes live and again) or do nothing (store).
 * Offline: keep in the mailbox unless already handed out; mode again (the addressed session
 * vanished before delivery, so it was not handed out) keeps it regardless. Atomic with claim-nick.
 */
export const routeDmScript = new LuaScript(
  'route-dm',
  `
local gw = redis.call('HGET', KEYS[1], 'gw')
local sid = redis.call('HGET', KEYS[1], 'sid')
local mark = tonumber(redis.call('HGET', KEYS[3], ARGV[3]) or '0')
if gw and gw ~= ARGV[5] and sid ~= ARGV[12] then
  if ARGV[4] ~= 'store' then
    redis.call('PUBLISH', ARGV[6] .. gw .. ARGV[7], ARGV[8] .. '"sid":"' .. sid .. '","m":' .. ARGV[1] .. '}')
    -- Handed out: a replay by the history-writer must not keep it again.
    if tonumber(ARGV[2]) > mark then
      redis.call('HSET', KEYS[3], ARGV[3], ARGV[2])
      redis.call('PEXPIRE', KEYS[3], ARGV[11])
    end
  end
  return 'online'
end
if tonumber(ARGV[2]) <= mark and ARGV[4] ~= 'again' then return 'seen' end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[10])
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(tonumber(ARGV[9]) + 1))
redis.call('PEXPIRE', KEYS[2], ARGV[11])
return 'stored'
`,
);
