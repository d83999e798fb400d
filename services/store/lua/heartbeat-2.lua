--[[
  Renews the gateway's lease at Redis's time and reads the fleet epoch (created if missing:
  Redis lost its data, or this is a new fleet). Returns {added (1 = it was not in the list),
  now, epoch}; gateways use now and epoch.

  KEYS[1] gateways
  KEYS[2] fleet epoch
  ARGV[1] gw
  ARGV[2] newEpoch
]]
--- @include "includes/now"

local added = redis.call('ZADD', KEYS[1], now, ARGV[1])
local epoch = redis.call('GET', KEYS[2])
if not epoch then
  epoch = ARGV[2]
  redis.call('SET', KEYS[2], epoch)
end
return {added, string.format('%.0f', now), epoch}
