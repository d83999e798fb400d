import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { settingsDocumented, settingsRead } from '@chatfleet/testing';
import { readConfig } from './config.js';

describe('matchmaker configuration', () => {
  it('documents every setting it reads in the README', () => {
    const documented = settingsDocumented();
    const missing = settingsRead(readConfig).filter((n) => !documented.has(n));
    assert.deepEqual(missing, [], `read by the matchmaker but not in the README's tables`);
  });
});
