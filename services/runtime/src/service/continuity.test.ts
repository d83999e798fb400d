import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Continuity } from './continuity.js';

describe('Continuity', () => {
  it('counts from the first success after a failure, and from zero after another failure', () => {
    let t = 0;
    const c = new Continuity(1000, () => t);
    assert.equal(c.heldForMs(), 0);
    c.ok(100);
    t = 400;
    c.ok(300);
    assert.equal(c.heldForMs(), 300);
    c.failed();
    assert.equal(c.heldForMs(), 0);
    c.ok(500);
    t = 1500;
    assert.equal(c.heldForMs(), 1000);
  });

  it('judges silence only once it has held for the whole span', () => {
    let t = 0;
    const c = new Continuity(1000, () => t);
    c.ok(0);
    t = 999;
    assert.equal(c.judgesSilence(), false);
    t = 1000;
    assert.equal(c.judgesSilence(), true);
    c.failed();
    assert.equal(c.judgesSilence(), false);
  });
});
