import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AddressRate } from './address-rate.js';

describe('AddressRate', () => {
  it('gives each address its own burst and rate', () => {
    let now = 0;
    const r = new AddressRate(2, 3, () => now);
    const takes = (a: string, n: number) => Array.from({ length: n }, () => r.take(a));
    assert.deepEqual(takes('10.0.0.1', 4), [true, true, true, false]);
    assert.deepEqual(takes('10.0.0.2', 3), [true, true, true]);
    now += 500;
    assert.deepEqual(takes('10.0.0.1', 2), [true, false]);
  });

  it('counts an IPv6 /64 as one address', () => {
    const r = new AddressRate(1, 1, () => 0);
    assert.equal(r.take('2001:db8:0:1::1'), true);
    assert.equal(r.take('2001:db8:0:1::2'), false);
    assert.equal(r.take('2001:db8:0:2::1'), true);
  });

  it('forgets addresses whose bucket filled up again', () => {
    let now = 0;
    const r = new AddressRate(10, 10, () => now);
    for (let i = 0; i < 1023; i++) r.take(`10.1.${i >> 8}.${i & 255}`);
    assert.equal(r.size, 1023);
    now += 5000;
    r.take('10.9.9.9');
    assert.equal(r.size, 1);
  });
});
