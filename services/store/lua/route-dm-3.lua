--[[
  A DM is for one identity: if the nick now belongs to another (or to nobody), returns {'gone'}.
  If its holder is online (not on deadGw, not goneSid), returns {'online', gw, sid}: the caller
  appends the DM to that gateway's inbox, then marks it seen. Otherwise keeps it in the mailbox,
  atomically with claim-nick, so a DM is either delivered live or found by the next welcome.
  Modes live and store (the sender's gateway and the history-writer's backup, which race) do
  nothing for a DM already seen; mode again routes it regardless.

  KEYS[1] nick
  KEYS[2] mailbox
  KEYS[3] seen
  ARGV[1] msg
  ARGV[2] id
  ARGV[3] member (conv/id)
  ARGV[4] mode ('live' | 'store' | 'again')
  ARGV[5] deadGw
  ARGV[6] goneSid
  ARGV[7] maxCount
  ARGV[8] minId
  ARGV[9] ttlMs
  ARGV[10] ident
]]
--- @include "includes/seen"

if ARGV[4] ~= 'again' and redis.call('ZSCORE', KEYS[3], ARGV[3]) then return {'seen'} end
local h = redis.call('HMGET', KEYS[1], 'gw', 'sid', 'ident')
-- Identities are compared as the conversation id holds them, in lower case.
if not h[3] or (ARGV[10] ~= '' and string.lower(h[3]) ~= string.lower(ARGV[10])) then
  return {'gone'}
end
if h[1] and h[1] ~= ARGV[5] and h[2] ~= ARGV[6] then return {'online', h[1], h[2]} end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[8])
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(tonumber(ARGV[7]) + 1))
redis.call('PEXPIRE', KEYS[2], ARGV[9])
seen(KEYS[3], ARGV[2], ARGV[3], ARGV[8], ARGV[9])
return {'stored'}
