import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Continuity } from './continuity.js';

describe('Continuity', () => {
  it('counts from the first success after a failure, and from zero after another failure', () => {
    let t = 0;
    const c = new Continuity(() => t);
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
});
