--[[
  Gives back an attempt that turned out right.

  KEYS[1] address fails
  KEYS[2] room fails
]]
for _, k in ipairs(KEYS) do
  if tonumber(redis.call('GET', k) or '0') > 0 then redis.call('DECR', k) end
end
return 1
