--[[
  Returns the ms to wait, or 0 after counting this attempt as a failure in advance, so that
  attempts racing from many connections cannot all pass the check before any was counted.

  KEYS[1] address fails
  KEYS[2] room fails
  ARGV[1] per address
  ARGV[2] per room
  ARGV[3] windowMs
]]
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
