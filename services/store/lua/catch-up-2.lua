--[[
  A gateway catching up after it lost its subscription: the position and every message after
  afterId, read together. Returns {epoch, seq, id, msgs}. If Redis lost messages the gateway
  had delivered (afterId of epoch seenEpoch), the conversation starts a new epoch first.

  KEYS[1] pos
  KEYS[2] window
  ARGV[1] afterId: the last message the gateway delivered (0 = none)
  ARGV[2] seenEpoch: its epoch ('' = none)
]]
--- @include "includes/lost"
--- @include "includes/new-epoch"
local p = redis.call('HMGET', KEYS[1], 'id', 'seq', 'epoch')
local afterId = tonumber(ARGV[1])
if lostSince(p[3], tonumber(p[1] or '0'), KEYS[2], ARGV[2], afterId) then
  local epoch = newEpoch(redis.call('TIME'))
  local id = math.max(tonumber(p[1] or '0'), afterId)
  p = {string.format('%.0f', id), '0', epoch}
  redis.call('HSET', KEYS[1], 'id', p[1], 'seq', '0', 'epoch', epoch)
end
local msgs = windowAfter(KEYS[2], afterId)
return {p[3] or '', p[2] or '0', p[1] or '0', msgs}
