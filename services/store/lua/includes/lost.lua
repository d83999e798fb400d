--[[
  Whether Redis lost acknowledged messages of a conversation (a failover to a replica that
  lagged, a restore from an older snapshot): someone saw message seenId of this epoch, and the
  position is behind it, or the window reaches back past it and does not hold it.
  posId: the position's id as read; windowKey: the recovery window.
]]
--- @include "window"
local function lostSince(posEpoch, posId, windowKey, seenEpoch, seenId)
  if seenEpoch == '' or seenEpoch ~= posEpoch or seenId <= 0 then return false end
  if posId < seenId then return true end
  if windowHas(windowKey, seenId) then return false end
  local first = redis.call('LINDEX', windowKey, 0)
  return first ~= false and windowId(first) < seenId
end
