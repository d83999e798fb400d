import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { originAllowed } from './origin.js';

describe('originAllowed', () => {
  it('lets clients without an Origin through, and listed origins, and any with *', () => {
    assert.equal(originAllowed('', 'x:1', []), true);
    assert.equal(
      originAllowed('https://chat.example.com', 'x', ['https://chat.example.com']),
      true,
    );
    assert.equal(originAllowed('https://other.example', 'x', ['https://chat.example.com']), false);
    assert.equal(originAllowed('https://any.example', 'x', ['*']), true);
  });

  it('without a list, takes loopback pages and an IP literal the browser connected to', () => {
    assert.equal(originAllowed('http://localhost:8080', 'localhost:8080', []), true);
    assert.equal(originAllowed('http://127.0.0.1:3000', '127.0.0.1:8080', []), true);
    assert.equal(originAllowed('http://[::1]:8080', '[::1]:8080', []), true);
    assert.equal(originAllowed('http://203.0.113.5:8080', '203.0.113.5:8080', []), true);
    assert.equal(originAllowed('http://203.0.113.5:8080', '198.51.100.1:8080', []), false);
  });

  it('refuses a DNS name that only matches the Host header (DNS rebinding)', () => {
    assert.equal(originAllowed('http://evil.example:8080', 'evil.example:8080', []), false);
    assert.equal(originAllowed('https://chat.example.com', 'chat.example.com', []), false);
    assert.equal(originAllowed('not a url', 'x', []), false);
  });
});
