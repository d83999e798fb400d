--[[
  Adds a batch of one conversation's messages to its durable history, trims it by count and age
  and renews its expiry: one command where four made a trickle cost the history-writer ≈ 4
  round-trip commands per message (a batch rarely holds two messages of one conversation).
  A message a moderator removed before it got here is written as its tombstone. Returns the
  ids written as tombstones (the writer routes none of them to a mailbox).

  KEYS[1] history
  KEYS[2] removed: the conversation's removed ids (remove-message)
  ARGV[1] maxCount
  ARGV[2] minId
  ARGV[3] keepMs
  ARGV[4], ARGV[5], ... score, member pairs: the messages, by id
]]
--- @include "includes/tombstone"
local gone = {}
local members = ARGV
if redis.call('EXISTS', KEYS[2]) == 1 then
  members = {}
  for i = 4, #ARGV, 2 do
    local m = ARGV[i + 1]
    if redis.call('ZSCORE', KEYS[2], ARGV[i]) then
      local t = tombstone(m)
      if t then
        m = t
        gone[#gone + 1] = ARGV[i]
      end
    end
    members[i] = ARGV[i]
    members[i + 1] = m
  end
end
for i = 4, #ARGV, 1000 do
  redis.call('ZADD', KEYS[1], unpack(members, i, math.min(i + 999, #ARGV)))
end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[1]) + 1))
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return gone
