--[[
  The record {nick, gw, sid, token, ident} is a lease the holder's gateway renews. Released, it
  stays as a hold {nick, token, ident}: only the token takes it back until the hold expires.
  Returns {'ok', token, ident, fresh?} | {'replaced', token, ident, oldGw, oldSid} | {'taken',
  ownerGw} | {'held'} | {'gone'} (reclaim only, and nothing to reclaim).

  KEYS[1] nick
  KEYS[2] mailbox
  KEYS[3] dm-seen
  ARGV[1] nick
  ARGV[2] gw
  ARGV[3] sid
  ARGV[4] newToken
  ARGV[5] offeredToken
  ARGV[6] deadGw
  ARGV[7] leaseMs
  ARGV[8] newIdent
  ARGV[9] fresh ('new': a new identity may take a free nick, and nothing a previous holder left in its mailbox survives; 'keep': a restore puts back its own record; 'no': reclaim only)
]]
local cur = redis.call('HMGET', KEYS[1], 'gw', 'sid', 'token', 'ident')
if not cur[3] then
  if ARGV[9] == 'no' then return {'gone'} end
  if ARGV[9] == 'new' then redis.call('DEL', KEYS[2], KEYS[3]) end
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[1], 'nick', ARGV[1], 'gw', ARGV[2], 'sid', ARGV[3], 'token', ARGV[4],
    'ident', ARGV[8])
  redis.call('PEXPIRE', KEYS[1], ARGV[7])
  return {'ok', ARGV[4], ARGV[8], ARGV[9]}
end
local ident = cur[4] or ''
if cur[2] == ARGV[3] then
  redis.call('PEXPIRE', KEYS[1], ARGV[7])
  return {'ok', cur[3], ident}
end
local free = not cur[1] or (ARGV[6] ~= '' and cur[1] == ARGV[6])
if ARGV[5] ~= '' and ARGV[5] == cur[3] then
  redis.call('HSET', KEYS[1], 'nick', ARGV[1], 'gw', ARGV[2], 'sid', ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ARGV[7])
  if free then return {'ok', cur[3], ident} end
  return {'replaced', cur[3], ident, cur[1], cur[2]}
end
if free then return {'held'} end
return {'taken', cur[1]}
