import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { STORE_LUA, luaScript, readLua } from './lua-file.js';

const DIRS = [STORE_LUA, new URL('../../../matchmaker/lua/', import.meta.url)];
// What runs: comments (headers included) left out.
const code = (url: URL) =>
  readLua(url)
    .replace(/--\[\[[\s\S]*?\]\]/g, '')
    .replace(/--.*$/gm, '');

const scripts = DIRS.flatMap((dir) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.lua'))
    .map((f) => ({ dir, file: f, url: new URL(f, dir) })),
);

// Commands whose first argument is a key or a channel.
const KEYED =
  /redis\.p?call\(\s*'(?:GET|SET|DEL|EXISTS|INCR|INCRBY|DECR|DECRBY|PTTL|PEXPIRE|H[A-Z]+|Z[A-Z]+|X[A-Z]+|S[A-Z]+|L[A-Z]+|R[A-Z]+|PUBLISH|SPUBLISH)'\s*,\s*([^,)]+)/gi;

describe('Lua scripts as files', () => {
  it('names each script <name>-<number of keys>.lua and documents every KEYS entry it uses', () => {
    assert.ok(scripts.length >= 20, `${scripts.length} scripts`);
    for (const { file, url } of scripts) {
      const m = /^([a-z][a-z-]*[a-z])-(\d+)\.lua$/.exec(file);
      assert.ok(m, `${file}: name-<keys>.lua`);
      const keys = Number(m[2]);
      const text = readFileSync(url, 'utf8');
      const header = /^--\[\[\n([\s\S]*?)\n\]\]\n/.exec(text)?.[1];
      assert.ok(header, `${file}: starts with a --[[ ... ]] header`);
      const documented = [...header.matchAll(/^ {2}KEYS\[(\d+)\] \S/gm)].map((x) => Number(x[1]));
      assert.deepEqual(
        documented,
        Array.from({ length: keys }, (_, i) => i + 1),
        `${file}: the header says what each of its ${keys} KEYS is`,
      );
      const source = code(url);
      const used = [...source.matchAll(/KEYS\[(\d+)\]/g)].map((x) => Number(x[1]));
      assert.ok(
        used.every((k) => k <= keys),
        `${file}: uses KEYS[${Math.max(...used)}] of ${keys}`,
      );
      const args = [...header.matchAll(/^ {2}ARGV\[(\d+)\]/gm)].map((x) => Number(x[1]));
      const usedArgs = [...source.matchAll(/ARGV\[(\d+)\]/g)].map((x) => Number(x[1]));
      assert.ok(
        usedArgs.every((a) => a <= Math.max(0, ...args)),
        `${file}: uses ARGV entries its header does not describe`,
      );
    }
  });

  it('builds no key or channel name inside a script: every one it touches comes in KEYS', () => {
    for (const { file, url } of scripts) {
      for (const [, arg] of code(url).matchAll(KEYED)) {
        const a = (arg ?? '').trim();
        assert.ok(
          !a.includes('..') && !/['"]/.test(a) && !/^ARGV\[/.test(a),
          `${file}: a key or channel made in the script: ${a}`,
        );
      }
    }
  });

  it('splices an include once, however often it is asked for', () => {
    const send = luaScript(STORE_LUA, 'send');
    assert.equal(send.numberOfKeys, 5);
    assert.equal(send.source.match(/local function newEpoch/g)?.length, 1);
    assert.ok(!send.source.includes('@include'));
  });

  it('refuses a call with another number of keys than its file name says', async () => {
    const leave = luaScript(STORE_LUA, 'leave');
    await assert.rejects(leave.run({} as never, ['a'], []), /script leave takes 2 keys, given 1/);
  });
});
