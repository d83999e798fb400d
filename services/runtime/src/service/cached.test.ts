import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Cached } from './cached.js';

describe('Cached', () => {
  it('loads once per ttl however many ask, and shares a load in flight', async () => {
    let t = 0;
    let loads = 0;
    const c = new Cached(
      async () => ++loads,
      1000,
      () => t,
    );
    assert.deepEqual(await Promise.all([c.get(), c.get(), c.get()]), [1, 1, 1]);
    t = 999;
    assert.equal(await c.get(), 1);
    t = 1000;
    assert.equal(await c.get(), 2);
    assert.equal(loads, 2);
  });

  it('keeps no failure: the next caller loads again', async () => {
    let fail = true;
    const c = new Cached(async () => {
      if (fail) throw new Error('redis away');
      return 'ok';
    }, 1000);
    await assert.rejects(c.get(), /redis away/);
    fail = false;
    assert.equal(await c.get(), 'ok');
  });
});
