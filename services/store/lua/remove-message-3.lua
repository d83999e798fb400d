--[[
  Removes one message of a conversation: where the recovery window or durable history holds
  it, a tombstone takes its place (same id and seq); the id joins the conversation's removed
  set, so a history-writer that materializes it later writes the tombstone too. Returns
  {status, original}: 'removed' (and the stored message), 'already' (only tombstones found),
  or 'none' (no message with that id is kept: nothing changes).

  KEYS[1] window
  KEYS[2] history
  KEYS[3] removed: sorted set of removed ids (score = id)
  ARGV[1] id
  ARGV[2] keepMs: how long the removed set is kept (durable history's age limit)
]]
--- @include "includes/window"
--- @include "includes/tombstone"
local id = tonumber(ARGV[1])
local original = false
local found = false
local i = windowIndexAfter(KEYS[1], id - 1)
local e = redis.call('LINDEX', KEYS[1], i)
if e and windowId(e) == id then
  found = true
  if not isTombstone(e) then
    local t = tombstone(e)
    if t then
      redis.call('LSET', KEYS[1], i, t)
      original = e
    end
  end
end
for _, m in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], ARGV[1], ARGV[1])) do
  if windowId(m) == id then
    found = true
    if not isTombstone(m) then
      local t = tombstone(m)
      if t then
        redis.call('ZREM', KEYS[2], m)
        redis.call('ZADD', KEYS[2], ARGV[1], t)
        original = original or m
      end
    end
  end
end
if not found then return {'none', ''} end
redis.call('ZADD', KEYS[3], ARGV[1], ARGV[1])
redis.call('PEXPIRE', KEYS[3], ARGV[2])
if original then return {'removed', original} end
return {'already', ''}
