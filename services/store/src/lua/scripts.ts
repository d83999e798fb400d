import { STORE_LUA, luaScript } from './lua-file.js';

// The store's Lua scripts: each is services/store/lua/<name>-<keys>.lua, whose header says what
// every KEYS and ARGV entry is. Loaded once, at start.

export const sendScript = luaScript(STORE_LUA, 'send');
export const joinScript = luaScript(STORE_LUA, 'join');
export const catchUpScript = luaScript(STORE_LUA, 'catch-up');
export const leaveScript = luaScript(STORE_LUA, 'leave');
export const claimNickScript = luaScript(STORE_LUA, 'claim-nick');
export const releaseNickScript = luaScript(STORE_LUA, 'release-nick');
export const markDmSeenScript = luaScript(STORE_LUA, 'mark-dm-seen');
export const takeMailboxScript = luaScript(STORE_LUA, 'take-mailbox');
export const routeDmScript = luaScript(STORE_LUA, 'route-dm');
export const clearAssignedScript = luaScript(STORE_LUA, 'clear-assigned');
export const historyAppendScript = luaScript(STORE_LUA, 'history-append');
export const heartbeatScript = luaScript(STORE_LUA, 'heartbeat');
export const gatewaysByTimeScript = luaScript(STORE_LUA, 'gateways-by-time');
export const releaseLockScript = luaScript(STORE_LUA, 'release-lock');
export const renewLockScript = luaScript(STORE_LUA, 'renew-lock');
export const spendBudgetScript = luaScript(STORE_LUA, 'spend-budget');
export const reservePasswordScript = luaScript(STORE_LUA, 'pw-reserve');
export const refundPasswordScript = luaScript(STORE_LUA, 'pw-refund');
