import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { createKeys, ScriptCommand } from '@chatfleet/store';
import * as mm from './scripts.js';

const slotOf = createRequire(import.meta.url)('cluster-key-slot') as (key: string) => number;
const keys = createKeys('cf', 16);
const side = (who: string) => ({ who, sid: `s-${who}`, raw: '{}', met: '[]', assignment: '{}' });

const EXAMPLES: Record<string, unknown> = {
  applyRequestScript: { op: 'match', sid: 's', v: 1, ticket: '{}', score: 1, ttlMs: 1 },
  dropTicketScript: { sid: 's', raw: '{}' },
  commitPairScript: { a: side('a'), b: side('b'), room: 'm:1', match: '{}', ttlMs: 1 },
};

describe("the matchmaker's scripts", () => {
  it('put all the keys of one call in one Redis Cluster slot, as many as the file says', () => {
    const commands = Object.entries(mm).filter(
      (e): e is [string, ScriptCommand<unknown>] => e[1] instanceof ScriptCommand,
    );
    assert.deepEqual(commands.map(([n]) => n).sort(), Object.keys(EXAMPLES).sort());
    for (const [name, cmd] of commands) {
      const call = cmd.call(keys, EXAMPLES[name]);
      assert.equal(call.keys.length, cmd.script.numberOfKeys, name);
      assert.equal(new Set(call.keys.map(slotOf)).size, 1, `${name}: ${call.keys.join(' ')}`);
    }
  });
});
