import { LuaScript } from './lua-script.js';

// A conversation's epoch names one unbroken run of its history; it changes when the position
// hash is lost (Redis lost its data, or 30 idle days expired it), so clients can tell.
const NEW_EPOCH = `string.format('%x%05x', tonumber(t[1]), tonumber(t[2]))`;

// Message ids: max(last + 1, now_ms * 1000). Strictly increasing per conversation, close to
// wall time, safe integers in JSON, and still increasing if Redis lost its data. seq counts
// 1, 2, 3… within an epoch, so a hole is visible.
const STAMP = `
local t = redis.call('TIME')
local ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local p = redis.call('HMGET', KEYS[1], 'id', 'seq', 'epoch')
local last = tonumber(p[1] or '0')
local seq = tonumber(p[2] or '0') + 1
local epoch = p[3]
if not epoch then
  epoch = ${NEW_EPOCH}
  seq = 1
end
local id = ms * 1000
if id <= last then id = last + 1 end
local ids = string.format('%.0f', id)
local mss = string.format('%.0f', ms)
local seqs = string.format('%.0f', seq)
redis.call('HSET', KEYS[1], 'id', ids, 'seq', seqs, 'epoch', epoch)
`;

/**
 * KEYS: pos, recent, events, lock. ARGV: conv, bodyPrefix, recentMax, ttlMs, eventsMaxLen,
 * channel ('' for none), envelopePrefix. Stamps the message, appends it to the recovery window
 * and the partition stream, then publishes it: one order, decided once.
 * Returns {id, ts, seq, epoch}.
 */
export const sendScript = new LuaScript(
  'send',
  `${STAMP}
redis.call('PEXPIRE', KEYS[1], ARGV[4])
local msg = ARGV[2] .. ',"id":' .. ids .. ',"ts":' .. mss .. ',"seq":' .. seqs .. '}'
redis.call('ZADD', KEYS[2], id, msg)
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(tonumber(ARGV[3]) + 1))
redis.call('PEXPIRE', KEYS[2], ARGV[4])
redis.call('PEXPIRE', KEYS[4], ARGV[4])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[5], '*', 'c', ARGV[1], 'm', msg)
if ARGV[6] ~= '' then
  redis.call('PUBLISH', ARGV[6], ARGV[7] .. ',"e":"' .. epoch .. '","m":' .. msg .. '}')
end
return {ids, mss, seqs, epoch}
`,
);

/**
 * KEYS: members, recent, lock, pos. ARGV: lcNick, memberJson, channel, presencePrefix, since
 * ('' = the last historyCount), historyCount, ttlMs, clientEpoch ('' = not given).
 * Adds the member, publishes presence and returns {count, members, history, recovered
 * (-1 without since, else 1 or 0), epoch, seq} in one step. With since, history is every
 * message after it in the window, oldest first; recovered says whether that is all of them.
 * ARGV[9..11]: what the join may do about the lock, checked here so the password check and the
 * join are one step: '' anything, 'open' the room must be unlocked, 'keep' the lock must still
 * hold hash ARGV[11], 'create' lock it with salt ARGV[10] and hash ARGV[11] if it is new (no
 * lock, no members). A join the lock forbids changes nothing and returns
 * {'refused', 'locked' | 'changed' | 'occupied'}. ARGV[12]: the lease on the member list (its
 * members' gateways renew it; it expires if they all died and nobody reaped them).
 */
export const joinScript = new LuaScript(
  'join',
  `
local lockHash = redis.call('HGET', KEYS[3], 'hash')
local plan = ARGV[9]
if plan == 'open' and lockHash then return {'refused', 'locked'} end
if plan == 'keep' and lockHash ~= ARGV[11] then return {'refused', 'changed'} end
if plan == 'create' then
  if lockHash then return {'refused', 'locked'} end
  if redis.call('HLEN', KEYS[1]) > 0 then return {'refused', 'occupied'} end
  redis.call('HSET', KEYS[3], 'salt', ARGV[10], 'hash', ARGV[11])
  redis.call('PEXPIRE', KEYS[3], ARGV[7])
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[12])
local count = redis.call('HLEN', KEYS[1])
redis.call('PUBLISH', ARGV[3], ARGV[4] .. ',"event":"join","count":' .. count .. '}')
local p = redis.call('HMGET', KEYS[4], 'seq', 'epoch')
local seq = tonumber(p[1] or '0')
local epoch = p[2]
if not epoch then
  local t = redis.call('TIME')
  epoch = ${NEW_EPOCH}
  redis.call('HSET', KEYS[4], 'seq', '0', 'epoch', epoch)
end
redis.call('PEXPIRE', KEYS[4], ARGV[7])
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('PEXPIRE', KEYS[2], ARGV[7]) end
if redis.call('EXISTS', KEYS[3]) == 1 then redis.call('PEXPIRE', KEYS[3], ARGV[7]) end
local history
local recovered = -1
if ARGV[5] == '' then
  history = redis.call('ZRANGE', KEYS[2], -tonumber(ARGV[6]), -1)
else
  local since = ARGV[5]
  history = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. since, '+inf')
  if ARGV[8] ~= '' and ARGV[8] ~= epoch then
    recovered = 0
  elseif redis.call('ZCOUNT', KEYS[2], since, since) > 0 then
    recovered = 1
  else
    -- since is not in the window: all is well only if the window holds the whole epoch and
    -- the client saw none of it (it names this epoch, or it saw nothing at all).
    local first = redis.call('ZRANGE', KEYS[2], 0, 0)[1]
    -- seq is the stored message's last field (the send script writes it): read it, never
    -- decode the message, whose text a script's JSON decoder may refuse.
    local firstSeq = first and string.match(first, ',"seq":(%d+)}$')
    local whole = (first == nil and seq == 0) or firstSeq == '1'
    recovered = (whole and (ARGV[8] == epoch or tonumber(since) == 0)) and 1 or 0
  end
end
return {count, redis.call('HVALS', KEYS[1]), history, recovered, epoch, seq}
`,
);

/**
 * KEYS: pos, recent. ARGV: afterId. A gateway catching up after it lost its subscription:
 * the position and every message after afterId, read together. Returns {epoch, seq, id, msgs}.
 */
export const catchUpScript = new LuaScript(
  'catch-up',
  `
local p = redis.call('HMGET', KEYS[1], 'id', 'seq', 'epoch')
local msgs = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. ARGV[1], '+inf')
return {p[3] or '', p[2] or '0', p[1] or '0', msgs}
`,
);

/** KEYS: members. ARGV: lcNick, sid, channel, presencePrefix. Removes the member if sid still holds it. */
export const leaveScript = new LuaScript(
  'leave',
  `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if not cur or not string.find(cur, '"sid":"' .. ARGV[2] .. '"', 1, true) then return -1 end
redis.call('HDEL', KEYS[1], ARGV[1])
local count = redis.call('HLEN', KEYS[1])
redis.call('PUBLISH', ARGV[3], ARGV[4] .. ',"event":"leave","count":' .. count .. '}')
return count
`,
);

/**
 * KEYS: nick, mailbox, dm-seen. ARGV: nick, gw, sid, newToken, offeredToken, deadGw, leaseMs,
 * newIdent, fresh ('new': a new identity may take a free nick, and nothing a previous holder
 * left in its mailbox survives; 'keep': a restore puts back its own record; 'no': reclaim only).
 * The record {nick, gw, sid, token, ident} is a lease the holder's gateway renews. Released, it
 * stays as a hold {nick, token, ident}: only the token takes it back until the hold expires.
 * Returns {'ok', token, ident, fresh?} | {'replaced', token, ident, oldGw, oldSid} | {'taken', ownerGw}
 * | {'held'} | {'gone'} (reclaim only, and nothing to reclaim).
 */
export const claimNickScript = new LuaScript(
  'claim-nick',
  `
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
`,
);

/**
 * KEYS: nick. ARGV: sid, holdMs (0: drop it). Releases the nick only if this session still
 * holds it, keeping it as a hold for its token's holder (see claim-nick).
 */
export const releaseNickScript = new LuaScript(
  'release-nick',
  `
if redis.call('HGET', KEYS[1], 'sid') ~= ARGV[1] then return 0 end
if tonumber(ARGV[2]) > 0 then
  redis.call('HDEL', KEYS[1], 'gw', 'sid')
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return redis.call('DEL', KEYS[1])
`,
);

// Remembers a DM as handed out (to an inbox, a mailbox or a welcome), for the age of a mailbox.
const SEEN = `
local function seen(key, id, member, minId, ttl)
  redis.call('ZADD', key, id, member)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', '(' .. minId)
  redis.call('PEXPIRE', key, ttl)
end
`;

/** KEYS: seen. ARGV: id, member (conv/id), minId, ttlMs. Marks a DM handed to an inbox. */
export const markDmSeenScript = new LuaScript(
  'mark-dm-seen',
  `${SEEN}
seen(KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4])
return 1
`,
);

/**
 * KEYS: mailbox, seen. ARGV: minId, ttlMs. Hands out every kept DM once and marks each seen,
 * so a replay by the history-writer does not keep it again. Nothing is decoded: the id is the
 * score and the conversation the stored message's first field, so no stored text can make the
 * script fail (cjson refuses a lone surrogate that JSON.stringify writes).
 */
export const takeMailboxScript = new LuaScript(
  'take-mailbox',
  `${SEEN}
local flat = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local items = {}
for i = 1, #flat, 2 do
  local raw = flat[i]
  items[#items + 1] = raw
  local conv = string.match(raw, '^{"conv":"([^"]*)"')
  if conv then
    local ids = string.format('%.0f', tonumber(flat[i + 1]))
    seen(KEYS[2], ids, conv .. '/' .. ids, ARGV[1], ARGV[2])
  end
end
redis.call('DEL', KEYS[1])
return items
`,
);

/**
 * KEYS: nick, mailbox, seen. ARGV: msg, id, member (conv/id), mode ('live' | 'store' |
 * 'again'), deadGw, goneSid, maxCount, minId, ttlMs, ident.
 * A DM is for one identity: if the nick now belongs to another (or to nobody), returns
 * {'gone'}. If its holder is online (not on deadGw, not goneSid), returns {'online', gw, sid}:
 * the caller appends the DM to that gateway's inbox, then marks it seen. Otherwise keeps it in
 * the mailbox, atomically with claim-nick, so a DM is either delivered live or found by the
 * next welcome. Modes live and store (the sender's gateway and the history-writer's backup,
 * which race) do nothing for a DM already seen; mode again routes it regardless.
 */
export const routeDmScript = new LuaScript(
  'route-dm',
  `${SEEN}
if ARGV[4] ~= 'again' and redis.call('ZSCORE', KEYS[3], ARGV[3]) then return {'seen'} end
local h = redis.call('HMGET', KEYS[1], 'gw', 'sid', 'ident')
if not h[3] or (ARGV[10] ~= '' and h[3] ~= ARGV[10]) then return {'gone'} end
if h[1] and h[1] ~= ARGV[5] and h[2] ~= ARGV[6] then return {'online', h[1], h[2]} end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[8])
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(tonumber(ARGV[7]) + 1))
redis.call('PEXPIRE', KEYS[2], ARGV[9])
seen(KEYS[3], ARGV[2], ARGV[3], ARGV[8], ARGV[9])
return {'stored'}
`,
);

/** KEYS: assigned. ARGV: prefix. Deletes the assignment only if it is still the one handled. */
export const clearAssignedScript = new LuaScript(
  'clear-assigned',
  `
local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, #ARGV[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`,
);

/**
 * KEYS: history. ARGV: maxCount, minId, keepMs, then score, member pairs. Adds a batch of one
 * conversation's messages to its durable history, trims it by count and age and renews its
 * expiry: one command where four made a trickle cost the history-writer ≈ 4 round-trip
 * commands per message (a batch rarely holds two messages of one conversation).
 */
export const historyAppendScript = new LuaScript(
  'history-append',
  `
for i = 4, #ARGV, 1000 do
  redis.call('ZADD', KEYS[1], unpack(ARGV, i, math.min(i + 999, #ARGV)))
end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[1]) + 1))
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`,
);
