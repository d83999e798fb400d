--[[
  Commits a pair only if both tickets are still exactly as read: several instances may race. The
  assignments stay until each gateway has taken its side in, so a `matched` lost on the way (the
  matchmaker died before telling a gateway) is still found.

  KEYS[1] queue
  KEYS[2] tickets
  KEYS[3] metA
  KEYS[4] metB
  KEYS[5] match
  KEYS[6] assignedA
  KEYS[7] assignedB
  ARGV[1] sidA
  ARGV[2] sidB
  ARGV[3] rawA
  ARGV[4] rawB
  ARGV[5] matchJson
  ARGV[6] matchTtlMs
  ARGV[7] repeatBlockMs
  ARGV[8] metA
  ARGV[9] metB (what each met, this pair included)
  ARGV[10] assignmentA
  ARGV[11] assignmentB
]]
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
