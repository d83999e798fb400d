--[[
  Message ids: max(last + 1, now_ms * 1000). Strictly increasing per conversation, close to
  wall time, safe integers in JSON, and still increasing if Redis lost its data. seq counts
  1, 2, 3… within an epoch, so a hole is visible. Reads and writes the position, KEYS[1], and
  reads the window, KEYS[2], when the position is gone; leaves ms, ids, mss, seqs (strings),
  epoch and renewed (when the keys' expiry was last renewed, nil if never) for the script.
  The including script sets seenEpoch and seenId: the last message its caller saw in the
  conversation ('' and 0 if none). A position behind it means Redis lost acknowledged messages:
  a new epoch starts (ids still above everything seen), so no seq is handed out twice in one.
]]
--- @include "new-epoch"
--- @include "window"
local t = redis.call('TIME')
local ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local p = redis.call('HMGET', KEYS[1], 'id', 'seq', 'epoch', 'renewed')
local renewed = tonumber(p[4])
local last = tonumber(p[1] or '0')
local seq = tonumber(p[2] or '0') + 1
local epoch = p[3]
if epoch and epoch == seenEpoch and last < seenId then
  epoch = nil
  last = seenId
end
if not epoch then
  epoch = newEpoch(t)
  seq = 1
  -- The window outlived the position (it expired or was deleted alone): ids still only grow.
  local newest = redis.call('LINDEX', KEYS[2], -1)
  if newest then last = math.max(last, windowId(newest)) end
end
local id = ms * 1000
if id <= last then id = last + 1 end
local ids = string.format('%.0f', id)
local mss = string.format('%.0f', ms)
local seqs = string.format('%.0f', seq)
redis.call('HSET', KEYS[1], 'id', ids, 'seq', seqs, 'epoch', epoch)
