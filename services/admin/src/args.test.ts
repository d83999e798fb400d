import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs, UsageError } from './args.js';
import { parseDuration } from './duration.js';

const refused = (argv: string[], re: RegExp) =>
  assert.throws(
    () => parseArgs(argv),
    (e: unknown) => e instanceof UsageError && re.test(e.message),
  );

describe('chatfleet-admin arguments', () => {
  it('reads each command with its options', () => {
    assert.deepEqual(parseArgs(['reports']).command, { cmd: 'reports', limit: 50 });
    assert.deepEqual(parseArgs(['reports', 'take', '--count', '3']).command, {
      cmd: 'reports-take',
      count: 3,
    });
    assert.deepEqual(parseArgs(['reports', 'done', '1-0', '--note', 'banned']).command, {
      cmd: 'reports-done',
      id: '1-0',
      note: 'banned',
    });
    assert.deepEqual(parseArgs(['ban', 'ada', '--for', '7d', '--reason', 'spam']).command, {
      cmd: 'ban',
      target: { kind: 'nick', nick: 'ada' },
      forMs: 7 * 86_400_000,
      reason: 'spam',
    });
    assert.deepEqual(parseArgs(['remove', 'dm:abcdefgh:ijklmnop', '42']).command, {
      cmd: 'remove',
      where: 'dm:abcdefgh:ijklmnop',
      id: 42,
      reason: '',
    });
    const inv = parseArgs(['bans', '--json', '--as', 'mod-1']);
    assert.equal(inv.json, true);
    assert.equal(inv.as, 'mod-1');
  });

  it('stores an address ban in one spelling: an address, an IPv4 /24 or an IPv6 /64', () => {
    const target = (a: string) => {
      const c = parseArgs(['ban', '--address', a]).command;
      return c.cmd === 'ban' && c.target.kind === 'address' ? c.target.address : undefined;
    };
    assert.equal(target('192.0.2.77/24'), '192.0.2.0/24');
    assert.equal(target('::ffff:192.0.2.7'), '192.0.2.7');
    assert.equal(target('2001:DB8:0:1:2:3:4:5/64'), '2001:db8:0:1::/64');
    assert.equal(target('2001:db8::1'), '2001:db8:0:0:0:0:0:1');
  });

  it('refuses bad input with a reason', () => {
    refused([], /usage/);
    refused(['frobnicate'], /unknown command/);
    refused(['ban', '--address', '10.0.0.300'], /not an IPv4 or IPv6 address/);
    refused(['ban', '--address', '10.0.0.0/16'], /must be a \/24/);
    refused(['ban', '--address', '2001:db8::/48'], /must be a \/64/);
    refused(['ban', 'ada', '--address', '10.0.0.1'], /exactly one/);
    refused(['ban', 'not a nick!'], /not a nick/);
    refused(['ban', 'ada', '--for', '3 days'], /--for takes/);
    refused(['kick'], /one nick/);
    refused(['remove', 'Lobby!', '1'], /neither a room/);
    refused(['remove', 'lobby', '-1'], /not a message id/);
    refused(['reports', 'done'], /reports takes/);
    refused(['bans', '--reason', 'x'], /does not go with bans/);
    refused(['kick', 'ada', '--reason', 'a\u0007b'], /control characters/);
    refused(['audit', '--limit', '0'], /from 1 to 1000/);
  });

  it('reads ban lengths from seconds to ten years, or forever', () => {
    assert.equal(parseDuration('90s'), 90_000);
    assert.equal(parseDuration('12h'), 12 * 3_600_000);
    assert.equal(parseDuration('forever'), 0);
    assert.equal(parseDuration('0m'), undefined);
    assert.equal(parseDuration('4000d'), undefined);
    assert.equal(parseDuration('1y'), undefined);
  });
});
