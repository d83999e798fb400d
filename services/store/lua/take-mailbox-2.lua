--[[
  Hands out every kept DM once and marks each seen, so a replay by the history-writer does not
  keep it again. Nothing is decoded: the id is the score and the conversation the stored
  message's first field, so no stored text can make the script fail (cjson refuses a lone
  surrogate that JSON.stringify writes).

  KEYS[1] mailbox
  KEYS[2] seen
  ARGV[1] minId
  ARGV[2] ttlMs
]]
--- @include "includes/seen"

local flat = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local items = {}
for i = 1, #flat, 2 do
  local raw = flat[i]
  items[#items + 1] = raw
  local conv = string.match(raw, '^{"conv":"([^"]*)"')
  if conv then
    local ids = string.format('%.0f', tonumber(flat[i + 1]))
    seen(KEYS[2], ids, conv .. '/' .. ids, ARGV[1], ARGV[2])
  end
end
redis.call('DEL', KEYS[1])
return items
