import { luaScript } from '@chatfleet/store';

// The matchmaker's own scripts: services/matchmaker/lua/<name>-<keys>.lua.
const MATCHMAKER_LUA = new URL('../lua/', import.meta.url);
export const applyRequestScript = luaScript(MATCHMAKER_LUA, 'mm-apply');
export const commitPairScript = luaScript(MATCHMAKER_LUA, 'mm-pair');
export const dropTicketScript = luaScript(MATCHMAKER_LUA, 'mm-drop');
