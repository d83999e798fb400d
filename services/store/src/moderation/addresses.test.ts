import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { banValuesFor, canonicalAddress, parseBanAddress } from './addresses.js';

describe('ban addresses', () => {
  it('spells every address one way, so a ban and a client address meet', () => {
    assert.equal(canonicalAddress('::ffff:198.51.100.7'), '198.51.100.7');
    assert.equal(canonicalAddress('2001:DB8::0001'), '2001:db8:0:0:0:0:0:1');
    assert.equal(canonicalAddress('not an address'), undefined);
  });

  it('matches a client by its address and by its /24 or /64', () => {
    assert.deepEqual(banValuesFor('::ffff:198.51.100.7'), ['198.51.100.7', '198.51.100.0/24']);
    assert.deepEqual(banValuesFor('2001:db8:1:2:aaaa::5'), [
      '2001:db8:1:2:aaaa:0:0:5',
      '2001:db8:1:2::/64',
    ]);
    const ban = parseBanAddress('2001:db8:1:2:ffff::/64');
    assert.ok('value' in ban && banValuesFor('2001:db8:1:2::9').includes(ban.value));
  });

  it('refuses what is not an address, and prefixes other than /24 and /64', () => {
    assert.match(JSON.stringify(parseBanAddress('1.2.3')), /not an IPv4 or IPv6 address/);
    assert.match(JSON.stringify(parseBanAddress('1.2.3.4/16')), /must be a \/24/);
    assert.match(JSON.stringify(parseBanAddress('::1/128')), /must be a \/64/);
    assert.match(JSON.stringify(parseBanAddress('1.2.3.4/24/8')), /not an address or a prefix/);
  });
});
