--[[
  A gateway catching up after it lost its subscription: the position and every message after
  afterId, read together. Returns {epoch, seq, id, msgs}.

  KEYS[1] pos
  KEYS[2] recent
  ARGV[1] afterId
]]
local p = redis.call('HMGET', KEYS[1], 'id', 'seq', 'epoch')
local msgs = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. ARGV[1], '+inf')
return {p[3] or '', p[2] or '0', p[1] or '0', msgs}
