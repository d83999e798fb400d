--[[
  live/dead: the gateways whose lease is current / ran out; one: 1 if gw's lease is current.

  KEYS[1] gateways
  ARGV[1] 'live' | 'dead' | 'one'
  ARGV[2] timeoutMs
  ARGV[3] gw (for 'one')
]]
--- @include "includes/now"

local edge = now - tonumber(ARGV[2])
if ARGV[1] == 'live' then return redis.call('ZRANGEBYSCORE', KEYS[1], edge, '+inf') end
if ARGV[1] == 'dead' then return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. edge) end
local s = redis.call('ZSCORE', KEYS[1], ARGV[3])
if s and tonumber(s) >= edge then return 1 end
return 0
