--[[
  Stamps the message, appends it to the recovery window and the partition stream, then publishes
  it: one order, decided once. Returns {id, ts, seq, epoch}. It runs once per message, so it
  writes as little as it can: the window is trimmed in steps of a sixteenth, and the keys'
  expiry is renewed once per 1/32 of it (and whenever the window is new), not each time.

  KEYS[1] pos
  KEYS[2] window
  KEYS[3] events: the conversation's partition stream
  KEYS[4] lock: the room's lock (its expiry is renewed with the room), else the window
  KEYS[5] channel: the conversation's live channel
  ARGV[1] conv
  ARGV[2] bodyPrefix: the stored message up to its id
  ARGV[3] windowMax: the window keeps at least this many messages, at most a sixteenth more
  ARGV[4] ttlMs
  ARGV[5] eventsMaxLen
  ARGV[6] envelopePrefix: the live envelope up to its epoch ('' = do not publish: DMs are routed)
  ARGV[7] seenEpoch: the epoch of the last message the sender's gateway saw here ('' = none)
  ARGV[8] seenId: that message's id (0 = none)
  ARGV[9] publish: PUBLISH, or SPUBLISH on Redis Cluster (the channel is in this script's slot)
]]
local seenEpoch = ARGV[7]
local seenId = tonumber(ARGV[8])
--- @include "includes/stamp"

local msg = ARGV[2] .. ',"id":' .. ids .. ',"ts":' .. mss .. ',"seq":' .. seqs .. '}'
local n = redis.call('RPUSH', KEYS[2], msg)
local max = tonumber(ARGV[3])
if n > max + math.ceil(max / 16) then redis.call('LTRIM', KEYS[2], -max, -1) end
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[5], '*', 'c', ARGV[1], 'm', msg)
if ARGV[6] ~= '' then
  redis.call(ARGV[9], KEYS[5], ARGV[6] .. ',"e":"' .. epoch .. '","m":' .. msg .. '}')
end
local ttl = tonumber(ARGV[4])
if n == 1 or not renewed or ms - renewed >= ttl / 32 then
  redis.call('PEXPIRE', KEYS[1], ttl)
  redis.call('PEXPIRE', KEYS[2], ttl)
  redis.call('PEXPIRE', KEYS[4], ttl)
  redis.call('HSET', KEYS[1], 'renewed', mss)
end
return {ids, mss, seqs, epoch}
