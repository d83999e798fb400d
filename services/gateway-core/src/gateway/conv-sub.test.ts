import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { nextExpected } from './conv-sub.js';

describe('nextExpected', () => {
  it('wants the seq right after the last one dispatched in the same epoch', () => {
    assert.equal(nextExpected({ epoch: 'e1', seq: 41 }, 'e1'), 42);
  });

  it('starts a new epoch at 1 when nothing of the old one was dispatched', () => {
    assert.equal(nextExpected({ epoch: 'e1', seq: 0 }, 'e2'), 1);
    assert.equal(nextExpected({ epoch: '', seq: 0 }, 'e2'), 1);
  });

  it('gives up when the epoch changed after messages of the old one went out', () => {
    assert.equal(nextExpected({ epoch: 'e1', seq: 3 }, 'e2'), undefined);
    assert.equal(nextExpected({ epoch: 'e1', seq: 3 }, ''), undefined);
  });
});
