import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SeenIds } from './seen-ids.js';

describe('SeenIds', () => {
  it('says an id is new once, and forgets the oldest past its size', () => {
    const seen = new SeenIds(3);
    assert.deepEqual(
      [1, 2, 1, 3, 4].map((id) => seen.add(id)),
      [true, true, false, true, true],
    );
    // 1 was the oldest of four: forgotten, so it counts as new again; 4 is still known.
    assert.equal(seen.add(1), true);
    assert.equal(seen.add(4), false);
  });
});
