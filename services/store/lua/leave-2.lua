--[[
  Removes the member if sid still holds it, and tells the room. Returns the new count, or -1
  when sid no longer held the member.

  KEYS[1] members
  KEYS[2] channel: the conversation's live channel, for the presence event
  ARGV[1] lcNick
  ARGV[2] sid
  ARGV[3] presencePrefix: the presence envelope up to its event
  ARGV[4] publish: PUBLISH, or SPUBLISH on Redis Cluster
]]
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if not cur or not string.find(cur, '"sid":"' .. ARGV[2] .. '"', 1, true) then return -1 end
redis.call('HDEL', KEYS[1], ARGV[1])
local count = redis.call('HLEN', KEYS[1])
redis.call(ARGV[4], KEYS[2], ARGV[3] .. ',"event":"leave","count":' .. count .. '}')
return count
