import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { reconnectDelay } from './backoff.js';

describe('reconnectDelay', () => {
  it('grows exponentially up to the cap, with full jitter from zero', () => {
    assert.equal(
      reconnectDelay(0, 500, 15_000, () => 0.999_999),
      499,
    );
    assert.equal(
      reconnectDelay(3, 500, 15_000, () => 0.999_999),
      3999,
    );
    assert.equal(
      reconnectDelay(10, 500, 15_000, () => 0.999_999),
      14_999,
    );
    assert.equal(
      reconnectDelay(1000, 500, 15_000, () => 0.5),
      7500,
    );
    assert.equal(
      reconnectDelay(5, 500, 15_000, () => 0),
      0,
    );
  });

  it('spreads a crowd over the whole window', () => {
    const delays = Array.from({ length: 10_000 }, () => reconnectDelay(4));
    const buckets = [0, 0, 0, 0];
    for (const d of delays) buckets[Math.min(3, Math.floor(d / 2000))]!++;
    // 0–8 s in four 2 s slices: each holds about a quarter.
    for (const b of buckets) assert.ok(b > 2000 && b < 3000, String(buckets));
  });
});
