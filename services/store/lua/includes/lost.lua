--[[
  Whether Redis lost acknowledged messages of a conversation (a failover to a replica that
  lagged, a restore from an older snapshot): someone saw message seenId of this epoch, and the
  position is behind it, or the window reaches back past it and does not hold it.
  posId: the position's id as read; recentKey: the recovery window.
]]
local function lostSince(posEpoch, posId, recentKey, seenEpoch, seenId)
  if seenEpoch == '' or seenEpoch ~= posEpoch or seenId <= 0 then return false end
  if posId < seenId then return true end
  if redis.call('ZCOUNT', recentKey, seenId, seenId) > 0 then return false end
  local first = redis.call('ZRANGE', recentKey, 0, 0, 'WITHSCORES')[2]
  return first ~= nil and tonumber(first) < seenId
end
