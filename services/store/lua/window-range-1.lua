--[[
  Up to limit messages of the window between after and before (both exclusive), oldest first:
  the oldest such ones when after is given (a client paging forward through a gap), else the
  newest. Found by id with a binary search, so a page costs the same in a full window.

  KEYS[1] window
  ARGV[1] after ('' = none)
  ARGV[2] before ('' = none)
  ARGV[3] limit
]]
--- @include "includes/window"
local limit = tonumber(ARGV[3])
local lo = 0
if ARGV[1] ~= '' then lo = windowIndexAfter(KEYS[1], tonumber(ARGV[1])) end
local hi
if ARGV[2] ~= '' then
  hi = windowIndexAfter(KEYS[1], tonumber(ARGV[2]) - 1)
else
  hi = redis.call('LLEN', KEYS[1])
end
if hi <= lo or limit <= 0 then return {} end
if ARGV[1] ~= '' then return redis.call('LRANGE', KEYS[1], lo, math.min(hi, lo + limit) - 1) end
return redis.call('LRANGE', KEYS[1], math.max(lo, hi - limit), hi - 1)
