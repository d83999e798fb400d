--[[
  Releases the nick only if this session still holds it, keeping it as a hold for its token's
  holder (see claim-nick).

  KEYS[1] nick
  ARGV[1] sid
  ARGV[2] holdMs (0: drop it)
]]
if redis.call('HGET', KEYS[1], 'sid') ~= ARGV[1] then return 0 end
if tonumber(ARGV[2]) > 0 then
  redis.call('HDEL', KEYS[1], 'gw', 'sid')
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return redis.call('DEL', KEYS[1])
