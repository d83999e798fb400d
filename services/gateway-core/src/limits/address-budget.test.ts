import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AddressBudget } from './address-budget.js';

describe('AddressBudget', () => {
  it('lets each address spend its limit per window and says how long until the next', () => {
    let now = 0;
    const b = new AddressBudget(100, 60_000, () => now);
    assert.equal(b.spend('10.0.0.1', 60), 0);
    assert.equal(b.spend('10.0.0.1', 50), 60_000);
    assert.equal(b.spend('10.0.0.1', 40), 0);
    assert.equal(b.spend('10.0.0.2', 100), 0);
    now = 59_000;
    assert.equal(b.spend('10.0.0.1', 1), 1000);
    now = 60_000;
    assert.equal(b.spend('10.0.0.1', 100), 0);
  });

  it('refuses what could never fit, and forgets ended windows', () => {
    let now = 0;
    const b = new AddressBudget(10, 1000, () => now);
    assert.ok(b.spend('10.0.0.1', 11) > 0);
    for (let i = 0; i < 1022; i++) b.spend(`10.1.${i >> 8}.${i & 255}`, 1);
    now = 5000;
    b.spend('10.9.9.9', 1);
    assert.equal(b.size, 1);
  });
});
