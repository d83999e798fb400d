--[[
  Spends `cost` from a fixed window if it fits; returns 0, or the ms until the window ends
  (nothing spent).

  KEYS[1] counter
  ARGV[1] cost
  ARGV[2] limit
  ARGV[3] windowMs
]]
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
