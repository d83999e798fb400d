--[[
  Remembers a DM as handed out (to an inbox, a mailbox or a welcome), for the age of a mailbox.
]]
local function seen(key, id, member, minId, ttl)
  redis.call('ZADD', key, id, member)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', '(' .. minId)
  redis.call('PEXPIRE', key, ttl)
end
