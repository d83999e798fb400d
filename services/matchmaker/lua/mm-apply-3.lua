--[[
  Applies a request unless a newer one of the same session was applied already. `update`
  replaces a ticket still waiting, keeping its place; one paired meanwhile stays paired.

  KEYS[1] queue
  KEYS[2] tickets
  KEYS[3] version
  ARGV[1] op
  ARGV[2] sid
  ARGV[3] v
  ARGV[4] ticketJson
  ARGV[5] score
  ARGV[6] versionTtlMs
]]
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
