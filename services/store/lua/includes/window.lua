--[[
  The recovery window: a list of stored messages in id order (only the send script appends,
  and it stamps ids that only grow). A stored message ends with its id, ts and seq, which are
  read here by pattern: a script's JSON decoder may refuse the text before them.
]]
local function windowId(entry)
  return tonumber(string.match(entry, ',"id":(%d+),"ts":%d+,"seq":%d+}$'))
end

-- The index of the first entry whose id is above id (the window's length if none is): the
-- newest entry first, since a catch-up mostly finds the window ending where it left off.
local function windowIndexAfter(key, id)
  local last = redis.call('LINDEX', key, -1)
  if not last or windowId(last) <= id then return redis.call('LLEN', key) end
  local lo, hi = 0, redis.call('LLEN', key) - 1
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if windowId(redis.call('LINDEX', key, mid)) <= id then lo = mid + 1 else hi = mid end
  end
  return lo
end

-- Every entry after id, oldest first.
local function windowAfter(key, id)
  return redis.call('LRANGE', key, windowIndexAfter(key, id), -1)
end

local function windowHas(key, id)
  local e = redis.call('LINDEX', key, windowIndexAfter(key, id - 1))
  return e ~= false and windowId(e) == id
end
