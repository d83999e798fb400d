import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import { PublishClock } from './publish-clock.js';

describe('PublishClock', () => {
  it('says a publish this tick is unwritten to a socket that sent nothing since', () => {
    const clock = new PublishClock();
    const sentAt = clock.now();
    clock.published();
    assert.equal(clock.unwrittenSince(sentAt), true);
  });

  it('says nothing is unwritten to a socket that sent a frame after the publish', () => {
    const clock = new PublishClock();
    clock.published();
    assert.equal(clock.unwrittenSince(clock.now()), false);
  });

  it('says a publish is written once its tick has ended', async () => {
    const clock = new PublishClock();
    const sentAt = clock.now();
    clock.published();
    await tick();
    assert.equal(clock.unwrittenSince(sentAt), false);
    clock.published();
    assert.equal(clock.unwrittenSince(sentAt), true);
  });

  it('says nothing is unwritten when nothing was published', () => {
    assert.equal(new PublishClock().unwrittenSince(-1), false);
  });
});
