--[[
  Takes a removed DM out of its recipient's offline mailbox (members are stored messages,
  score = id; another conversation's DM may share the id, so the conversation must match).
  Returns how many were taken out.

  KEYS[1] mailbox
  ARGV[1] id
  ARGV[2] conv
]]
local prefix = '{"conv":"' .. ARGV[2] .. '"'
local n = 0
for _, m in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], ARGV[1])) do
  if string.sub(m, 1, #prefix) == prefix then
    n = n + redis.call('ZREM', KEYS[1], m)
  end
end
return n
