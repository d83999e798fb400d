--[[
  Adds the member, publishes presence and returns {count, members, history, recovered (-1
  without since, else 1 or 0), epoch, seq} in one step. With since, history is every message
  after it in the window, oldest first; recovered says whether that is all of them. What the
  join may do about the lock is checked here, so the password check and the join are one step;
  a join the lock forbids changes nothing and returns {'refused', 'locked' | 'changed' |
  'occupied'}.

  KEYS[1] members
  KEYS[2] window
  KEYS[3] lock
  KEYS[4] pos
  KEYS[5] channel: the conversation's live channel, for the presence event
  ARGV[1] lcNick
  ARGV[2] memberJson
  ARGV[3] presencePrefix: the presence envelope up to its event
  ARGV[4] since ('' = the last historyCount)
  ARGV[5] historyCount
  ARGV[6] ttlMs
  ARGV[7] clientEpoch ('' = not given)
  ARGV[8] lock plan: '' anything, 'open' the room must be unlocked, 'keep' the lock must still
          hold hash ARGV[10], 'create' lock it with salt ARGV[9] and hash ARGV[10] if it is new
          (no lock, no members)
  ARGV[9] salt (plan 'create')
  ARGV[10] hash (plans 'create' and 'keep')
  ARGV[11] leaseMs: the lease on the member list (its members' gateways renew it; it expires
           if they all died and nobody reaped them)
  ARGV[12] publish: PUBLISH, or SPUBLISH on Redis Cluster
]]
--- @include "includes/new-epoch"
--- @include "includes/lost"
local lockHash = redis.call('HGET', KEYS[3], 'hash')
local plan = ARGV[8]
if plan == 'open' and lockHash then return {'refused', 'locked'} end
if plan == 'keep' and lockHash ~= ARGV[10] then return {'refused', 'changed'} end
if plan == 'create' then
  if lockHash then return {'refused', 'locked'} end
  if redis.call('HLEN', KEYS[1]) > 0 then return {'refused', 'occupied'} end
  redis.call('HSET', KEYS[3], 'salt', ARGV[9], 'hash', ARGV[10])
  redis.call('PEXPIRE', KEYS[3], ARGV[6])
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[11])
local count = redis.call('HLEN', KEYS[1])
redis.call(ARGV[12], KEYS[5], ARGV[3] .. ',"event":"join","count":' .. count .. '}')
local p = redis.call('HMGET', KEYS[4], 'seq', 'epoch', 'id')
local seq = tonumber(p[1] or '0')
local epoch = p[2]
-- The client saw a message of this epoch that Redis no longer has (a failover lost it): the
-- join says so. Only the gateways, which saw it themselves, start a new epoch (catch-up, send):
-- a client's word must not break the room for everyone.
local lost = epoch ~= nil and ARGV[4] ~= '' and
  lostSince(epoch, tonumber(p[3] or '0'), KEYS[2], ARGV[7], tonumber(ARGV[4]))
if not epoch then
  local t = redis.call('TIME')
  epoch = newEpoch(t)
  redis.call('HSET', KEYS[4], 'seq', '0', 'epoch', epoch)
end
redis.call('PEXPIRE', KEYS[4], ARGV[6])
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('PEXPIRE', KEYS[2], ARGV[6]) end
if redis.call('EXISTS', KEYS[3]) == 1 then redis.call('PEXPIRE', KEYS[3], ARGV[6]) end
local history
local recovered = -1
if ARGV[4] == '' then
  history = redis.call('LRANGE', KEYS[2], -tonumber(ARGV[5]), -1)
else
  local since = tonumber(ARGV[4])
  history = windowAfter(KEYS[2], since)
  if lost or (ARGV[7] ~= '' and ARGV[7] ~= epoch) then
    recovered = 0
  elseif windowHas(KEYS[2], since) then
    recovered = 1
  else
    -- since is not in the window: all is well only if the window holds the whole epoch and
    -- the client saw none of it (it names this epoch, or it saw nothing at all).
    local first = redis.call('LINDEX', KEYS[2], 0)
    -- seq is the stored message's last field (the send script writes it): read it, never
    -- decode the message, whose text a script's JSON decoder may refuse.
    local firstSeq = first and string.match(first, ',"seq":(%d+)}$')
    local whole = (not first and seq == 0) or firstSeq == '1'
    recovered = (whole and (ARGV[7] == epoch or since == 0)) and 1 or 0
  end
end
return {count, redis.call('HVALS', KEYS[1]), history, recovered, epoch, seq}
