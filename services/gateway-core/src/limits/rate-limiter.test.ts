import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FloodGuard, TokenBucket } from './rate-limiter.js';

describe('TokenBucket', () => {
  it('allows a burst, then the rate', () => {
    let now = 0;
    const b = new TokenBucket(10, 20, () => now);
    let ok = 0;
    for (let i = 0; i < 30; i++) if (b.take()) ok++;
    assert.equal(ok, 20);
    now += 500;
    ok = 0;
    for (let i = 0; i < 30; i++) if (b.take()) ok++;
    assert.equal(ok, 5);
  });
});

describe('FloodGuard', () => {
  it('reports at most once a second and calls a flood past the limit within the window', () => {
    let now = 0;
    const g = new FloodGuard(5, 10_000, () => now);
    const first = g.refuse();
    assert.deepEqual(first, { report: true, flooding: false });
    for (let i = 0; i < 4; i++) assert.equal(g.refuse().report, false);
    assert.equal(g.refuse().flooding, true);
    now += 11_000;
    assert.deepEqual(g.refuse(), { report: true, flooding: false });
  });
});
