--[[
  Adds a batch of one conversation's messages to its durable history, trims it by count and age
  and renews its expiry: one command where four made a trickle cost the history-writer ≈ 4
  round-trip commands per message (a batch rarely holds two messages of one conversation).

  KEYS[1] history
  ARGV[1] maxCount
  ARGV[2] minId
  ARGV[3] keepMs
  ARGV[4], ARGV[5], ... score, member pairs: the messages, by id
]]
for i = 4, #ARGV, 1000 do
  redis.call('ZADD', KEYS[1], unpack(ARGV, i, math.min(i + 999, #ARGV)))
end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[1]) + 1))
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
