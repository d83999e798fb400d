--[[
  Drops a ticket if it is still the one read.

  KEYS[1] queue
  KEYS[2] tickets
  ARGV[1] sid
  ARGV[2] raw
]]
if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[1], ARGV[1])
return 1
