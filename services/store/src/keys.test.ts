import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { conv, createKeys, dmParties } from './keys.js';

describe('keys', () => {
  it('keeps every key of a conversation under one partition hash tag', () => {
    const k = createKeys('cf', 16);
    const c = conv.room('lobby');
    const tag = /\{p\d+\}/;
    const tags = [
      k.window(c),
      k.history(c),
      k.removed(c),
      k.members(c),
      k.live(c),
      k.pos(c),
      k.roomLock(c),
      k.events(k.partitionOf(c)),
    ].map((s) => tag.exec(s)?.[0]);
    assert.equal(new Set(tags).size, 1);
    assert.ok(k.window(c).startsWith('cf:{p'));
  });

  it("keeps a gateway's state and inbox under one tag, and matchmaker keys under {mm}", () => {
    const k = createKeys('cf', 16);
    assert.equal(/\{gw:g1\}/.exec(k.inbox('g1'))?.[0], /\{gw:g1\}/.exec(k.gatewayState('g1'))?.[0]);
    assert.ok(k.assigned('g1.7').startsWith('cf:{mm}:'));
  });

  it('names DM conversations the same way from both sides', () => {
    assert.equal(conv.dm('Bob', 'alice'), conv.dm('ALICE', 'bob'));
  });

  it('spreads conversations over the partitions', () => {
    const k = createKeys('cf', 16);
    const used = new Set(
      Array.from({ length: 500 }, (_, i) => k.partitionOf(conv.room(`room-${i}`))),
    );
    assert.equal(used.size, 16);
  });

  it('reads the two sides of a DM conversation', () => {
    assert.deepEqual(dmParties(conv.dm('X1', 'y2')), ['x1', 'y2']);
    assert.equal(dmParties(conv.room('lobby')), undefined);
  });
});
