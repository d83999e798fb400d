import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs, UsageError } from './args.js';

describe('terminal client arguments', () => {
  it('defaults to localhost:8888 with automatch', () => {
    assert.deepEqual(parseArgs([]), { host: 'localhost', port: 8888, automatch: true });
  });

  it('reads host:port, a port alone, IPv6, --nick and --no-match', () => {
    assert.deepEqual(parseArgs(['chat.example.com:9000', '--nick', 'zed', '--no-match']), {
      host: 'chat.example.com',
      port: 9000,
      nick: 'zed',
      automatch: false,
    });
    assert.equal(parseArgs([':7000']).port, 7000);
    assert.equal(parseArgs(['[::1]:8888']).host, '::1');
  });

  it('refuses what it does not understand', () => {
    assert.throws(() => parseArgs(['--frobnicate']), UsageError);
    assert.throws(() => parseArgs(['host:99999']), UsageError);
    assert.throws(() => parseArgs(['--help']), UsageError);
  });
});
