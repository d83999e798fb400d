import { readFileSync, readdirSync } from 'node:fs';
import { LuaScript } from './lua-script.js';

/** This package's scripts: `services/store/lua/`, next to `src/` and `dist/`. */
export const STORE_LUA = new URL('../../lua/', import.meta.url);

const INCLUDE = /^--- @include "([^"]+)"[ \t]*$/gm;

/**
 * A script's source with every `--- @include "path"` line (relative to the file including it,
 * without `.lua`) replaced by that file, each file once per script.
 */
export function readLua(file: URL, included = new Set<string>()): string {
  return readFileSync(file, 'utf8').replace(INCLUDE, (_line, path: string) => {
    const inc = new URL(`${path}.lua`, file);
    if (included.has(inc.href)) return '';
    included.add(inc.href);
    return readLua(inc, included);
  });
}

/** The script `<dir>/<name>-<number of keys>.lua`, which then refuses any other number of keys. */
export function luaScript(dir: URL, name: string): LuaScript {
  const re = new RegExp(`^${name.replace(/[^\w-]/g, '')}-(\\d+)\\.lua$`);
  const file = readdirSync(dir).find((f) => re.test(f));
  if (!file) throw new Error(`no Lua script ${name}-<keys>.lua in ${dir.pathname}`);
  return new LuaScript(name, readLua(new URL(file, dir)), Number(re.exec(file)?.[1]));
}
