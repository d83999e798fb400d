--[[
  A conversation's epoch names one unbroken run of its history; it changes when the position
  hash is lost (Redis lost its data, or 30 idle days expired it), so clients can tell.
  t: the reply of TIME.
]]
local function newEpoch(t)
  return string.format('%x%05x', tonumber(t[1]), tonumber(t[2]))
end
