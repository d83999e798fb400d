--[[
  Marks a DM handed to an inbox.

  KEYS[1] seen
  ARGV[1] id
  ARGV[2] member (conv/id)
  ARGV[3] minId
  ARGV[4] ttlMs
]]
--- @include "includes/seen"

seen(KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4])
return 1
