import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { StoredMessage } from '@chatfleet/protocol';
import { DmPositions } from './dm-positions.js';

const CONV = 'd:aaa:bbb';
const dm = (id: number, epoch: string | undefined, from = 'Ann'): StoredMessage => ({
  conv: CONV,
  id,
  ts: id,
  from,
  to: from === 'Ann' ? 'Bo' : 'Ann',
  toIdent: from === 'Ann' ? 'BBB' : 'AAA',
  text: 'hi',
  ...(epoch !== undefined ? { epoch } : {}),
});

describe('DmPositions', () => {
  it('passes on the newest DM of an epoch as what was seen', () => {
    const d = new DmPositions({ max: 10, now: () => 0 });
    assert.equal(d.note(dm(5, 'e1')), undefined);
    assert.equal(d.note(dm(3, 'e1')), undefined);
    assert.deepEqual(d.seen(CONV), { epoch: 'e1', id: 5 });
  });

  it('finds a loss when a DM opens a newer epoch, and names both sides', () => {
    const d = new DmPositions({ max: 10, now: () => 0 });
    d.note(dm(5, 'e1'));
    const loss = d.note(dm(9, 'e2', 'Bo'));
    assert.equal(loss?.since, 5);
    assert.equal(loss?.track.epoch, 'e2');
    assert.deepEqual([...(loss?.track.nicks ?? [])].sort(), [
      ['aaa', 'Ann'],
      ['bbb', 'Bo'],
    ]);
  });

  it('lets a late DM of the older epoch pass without a loss', () => {
    const d = new DmPositions({ max: 10, now: () => 0 });
    d.note(dm(9, 'e2'));
    assert.equal(d.note(dm(5, 'e1')), undefined);
    assert.deepEqual(d.seen(CONV), { epoch: 'e2', id: 9 });
  });

  it('ignores DMs without an epoch and notices of a loss', () => {
    const d = new DmPositions({ max: 10, now: () => 0 });
    assert.equal(d.note(dm(5, undefined)), undefined);
    assert.equal(d.seen(CONV), undefined);
    d.note(dm(5, 'e1'));
    assert.equal(d.note({ ...dm(7, 'e2'), lost: true }), undefined);
    assert.deepEqual(d.seen(CONV), { epoch: 'e1', id: 5 });
  });

  it('takes a new epoch quietly once Redis was found without the position', () => {
    const d = new DmPositions({ max: 10, now: () => 0 });
    d.note(dm(5, 'e1'));
    const t = d.recent(1000)[0]!;
    t.epoch = '';
    assert.equal(d.seen(CONV), undefined);
    assert.equal(d.note(dm(9, 'e2')), undefined);
    assert.deepEqual(d.seen(CONV), { epoch: 'e2', id: 9 });
  });

  it('keeps the most recently noted conversations, and lists the recent ones', () => {
    let now = 0;
    const d = new DmPositions({ max: 2, now: () => now });
    for (const c of ['d:a:b', 'd:a:c', 'd:a:d']) {
      now += 1000;
      d.note({ ...dm(1, 'e'), conv: c });
    }
    assert.equal(d.size, 2);
    assert.equal(d.seen('d:a:b'), undefined);
    assert.deepEqual(
      d.recent(1500).map((t) => t.conv),
      ['d:a:c', 'd:a:d'],
    );
    assert.deepEqual(
      d.recent(500).map((t) => t.conv),
      ['d:a:d'],
    );
  });
});
