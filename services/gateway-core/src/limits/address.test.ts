import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { addressGroup } from './address.js';

describe('addressGroup', () => {
  it('keeps an IPv4 address as it is, also when mapped into IPv6', () => {
    assert.equal(addressGroup('203.0.113.7'), '203.0.113.7');
    assert.equal(addressGroup('::ffff:203.0.113.7'), '203.0.113.7');
  });

  it('counts IPv6 addresses by their /64, however they are written', () => {
    const g = addressGroup('2001:db8:0:1::1');
    assert.equal(g, '2001:db8:0:1::/64');
    assert.equal(addressGroup('2001:0db8:0000:0001:ffff:1:2:3'), g);
    assert.notEqual(addressGroup('2001:db8:0:2::1'), g);
    assert.equal(addressGroup('::1'), '0:0:0:0::/64');
  });

  it('leaves what is not an address alone', () => {
    assert.equal(addressGroup(''), '');
    assert.equal(addressGroup('?'), '?');
  });
});
