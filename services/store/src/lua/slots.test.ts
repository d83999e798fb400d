import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { createKeys } from '../keys.js';
import { ScriptCommand } from './script-command.js';
import * as store from './scripts.js';

// Redis Cluster's own slot function (what ioredis uses), untyped.
const slotOf = createRequire(import.meta.url)('cluster-key-slot') as (key: string) => number;

const keys = createKeys('cf', 16);

// A call of each script as its callers make one; a script missing here fails the test.
const EXAMPLES: Record<string, unknown> = {
  sendScript: {
    conv: 'r:tea',
    isRoom: true,
    body: '{',
    envelope: '{',
    windowMax: 1,
    ttlMs: 1,
    eventsMaxLen: 1,
  },
  joinScript: { room: 'tea', nick: 'ada', sid: 's', since: '', plan: '', salt: '', hash: '' },
  catchUpScript: { conv: 'd:a:b', afterId: 0 },
  windowRangeScript: { conv: 'r:tea', limit: 1 },
  leaveScript: { room: 'tea', nick: 'ada', sid: 's' },
  claimNickScript: { nick: 'Ada', gw: 'g', sid: 's', token: 't', offered: '', deadGw: '' },
  releaseNickScript: { nick: 'Ada', sid: 's', holdMs: 0 },
  markDmSeenScript: { lcNick: 'ada', id: 1, member: 'm', minId: 0, ttlMs: 1 },
  takeMailboxScript: { lcNick: 'ada', minId: 0, ttlMs: 1 },
  routeDmScript: { lcNick: 'ada', msg: '{}', id: 1, member: 'm', mode: 'live' },
  clearAssignedScript: { sid: 's', room: 'm:1' },
  historyAppendScript: { conv: 'r:tea', maxCount: 1, minId: 0, keepMs: 1, members: [1, 'x'] },
  removeMessageScript: { conv: 'd:a:b', id: 1, keepMs: 1 },
  mailboxRemoveScript: { lcNick: 'ada', id: 1, conv: 'd:a:b' },
  heartbeatScript: { gw: 'g', newEpoch: 'e' },
  gatewaysByTimeScript: { which: 'one', timeoutMs: 1, gw: 'g' },
  clockScript: { key: keys.matchRequests() },
  releaseLockScript: { lock: keys.reapLock('g'), owner: 'o' },
  renewLockScript: { lock: keys.matchLock(), owner: 'o', ttlMs: 1 },
  spendBudgetScript: { kind: 'reports', who: 'a:127.0.0.1', cost: 1, limit: 1, windowMs: 1 },
  reservePasswordScript: { room: 'tea', address: '127.0.0.1', perAddress: 1, perRoom: 1 },
  refundPasswordScript: { room: 'tea', address: '127.0.0.1' },
};

describe('the keys each script call touches', () => {
  const commands = Object.entries(store).filter(
    (e): e is [string, ScriptCommand<unknown>] => e[1] instanceof ScriptCommand,
  );

  it('has an example call of every script', () => {
    assert.deepEqual(commands.map(([n]) => n).sort(), Object.keys(EXAMPLES).sort());
  });

  it('puts all the keys of one call in one Redis Cluster slot, as many as its file says', () => {
    for (const [name, cmd] of commands) {
      const call = cmd.call(keys, EXAMPLES[name]);
      assert.equal(call.keys.length, cmd.script.numberOfKeys, name);
      const slots = new Set(call.keys.map(slotOf));
      assert.equal(slots.size, 1, `${name}: ${call.keys.join(' ')}`);
    }
  });

  it('notices keys of two slots in one call', () => {
    assert.notEqual(slotOf(keys.nick('ada')), slotOf(keys.nick('bob')));
  });
});
