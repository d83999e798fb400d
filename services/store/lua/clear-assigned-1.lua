--[[
  Deletes the assignment only if it is still the one handled.

  KEYS[1] assigned
  ARGV[1] prefix
]]
local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, #ARGV[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
