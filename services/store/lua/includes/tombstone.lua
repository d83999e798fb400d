--[[
  A removed message's tombstone: its conversation (and room), id, ts and seq, no sender and no
  text, so a replay keeps its place (a hole in seq means lost) without showing it. Made from the
  stored message by pattern, never by decoding JSON (the decoder may refuse the text).
]]
local function isTombstone(entry)
  return string.find(entry, '"removed":true,"id":', 1, true) ~= nil
end

local function tombstone(entry)
  local conv = string.match(entry, '^{"conv":"([^"]*)"')
  local tail = string.match(entry, '(,"id":%d+,"ts":%d+,"seq":%d+})$')
  if not conv or not tail then return nil end
  local room = ''
  if string.sub(conv, 1, 2) == 'r:' then room = ',"room":"' .. string.sub(conv, 3) .. '"' end
  return '{"conv":"' .. conv .. '","from":"","text":""' .. room .. ',"removed":true' .. tail
end
