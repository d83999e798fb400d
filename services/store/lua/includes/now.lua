--[[
  Liveness is judged by Redis's clock alone: a host whose clock is off by minutes is neither
  declared dead early nor kept alive after it died. Leaves now (ms) for the script.
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
