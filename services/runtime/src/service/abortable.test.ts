import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { untilAborted } from './abortable.js';

describe('untilAborted', () => {
  it('resolves with the value when it comes first', async () => {
    assert.equal(await untilAborted(Promise.resolve(7), new AbortController().signal), 7);
  });

  it('resolves undefined at once when the signal aborts, whatever the promise does', async () => {
    const ac = new AbortController();
    const never = new Promise<number>(() => undefined);
    const p = untilAborted(never, ac.signal);
    ac.abort();
    assert.equal(await p, undefined);
  });

  it('passes a rejection on, and ignores one that comes after an abort', async () => {
    await assert.rejects(
      untilAborted(Promise.reject(new Error('x')), new AbortController().signal),
    );
    const ac = new AbortController();
    ac.abort();
    assert.equal(await untilAborted(Promise.reject(new Error('late')), ac.signal), undefined);
  });
});
