--[[
  Stamps the message, appends it to the recovery window and the partition stream, then publishes
  it: one order, decided once. Returns {id, ts, seq, epoch}.

  KEYS[1] pos
  KEYS[2] recent
  KEYS[3] events: the conversation's partition stream
  KEYS[4] lock: the room's lock (its expiry is renewed with the room), else the recovery window
  KEYS[5] channel: the conversation's live channel
  ARGV[1] conv
  ARGV[2] bodyPrefix: the stored message up to its id
  ARGV[3] recentMax
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

redis.call('PEXPIRE', KEYS[1], ARGV[4])
local msg = ARGV[2] .. ',"id":' .. ids .. ',"ts":' .. mss .. ',"seq":' .. seqs .. '}'
redis.call('ZADD', KEYS[2], id, msg)
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(tonumber(ARGV[3]) + 1))
redis.call('PEXPIRE', KEYS[2], ARGV[4])
redis.call('PEXPIRE', KEYS[4], ARGV[4])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[5], '*', 'c', ARGV[1], 'm', msg)
if ARGV[6] ~= '' then
  redis.call(ARGV[9], KEYS[5], ARGV[6] .. ',"e":"' .. epoch .. '","m":' .. msg .. '}')
end
return {ids, mss, seqs, epoch}
