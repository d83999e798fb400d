import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { MessageFrame } from '../frames.js';
import { RoomCursor, type FillOutcome, type HistoryAsk } from './room-cursor.js';

const msg = (seq: number, id = seq * 10): MessageFrame => ({
  type: 'message',
  room: 'r',
  id,
  seq,
  from: 'a',
  text: `m${seq}`,
  ts: 0,
});
const range = (from: number, to: number) =>
  Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => msg(from + i));

/** The server's durable history: the messages with id > after, oldest first, a page at most. */
const serve = (store: MessageFrame[], ask: HistoryAsk) => ({
  type: 'history' as const,
  room: ask.room,
  messages: store.filter((m) => m.id > ask.after).slice(0, ask.limit),
  ref: ask.ref,
});

function joinedAt(c: RoomCursor, upTo: number): void {
  c.joined({ type: 'joined', room: 'r', members: [], history: range(1, upTo), epoch: 'e1' });
}

describe('RoomCursor', () => {
  it('rejoins with the last id and epoch it holds, and takes each message once', () => {
    const c = new RoomCursor('r');
    assert.deepEqual(c.rejoin(), {});
    joinedAt(c, 3);
    assert.deepEqual(c.rejoin(), { since: 30, epoch: 'e1' });
    assert.equal(c.message(msg(3)).fresh, false);
    assert.equal(c.message(msg(4)).fresh, true);
    assert.equal(c.message(msg(4)).fresh, false);
  });

  it('fills a gap a rejoin reported from history, and calls it complete when seq is whole', () => {
    const store = range(1, 250);
    const c = new RoomCursor('r');
    joinedAt(c, 3);
    const j = c.joined({
      type: 'joined',
      room: 'r',
      members: [],
      history: range(241, 250),
      epoch: 'e1',
      recovered: false,
    });
    assert.equal(j.fresh.length, 10);
    let ask = j.ask;
    assert.equal(ask?.after, 30);
    const filled: number[] = [];
    let pages = 0;
    for (;;) {
      assert.ok(ask);
      const p = c.page(serve(store, ask));
      pages++;
      filled.push(...p.fresh.map((m) => m.seq ?? 0));
      if (p.done) {
        assert.deepEqual(p.done, { room: 'r', status: 'complete', filled: 237 });
        break;
      }
      ask = p.ask;
    }
    // It stops at the first message it already had after the gap: no page beyond it.
    assert.equal(pages, 3);
    assert.deepEqual(
      filled,
      range(4, 240).map((m) => m.seq),
    );
  });

  it('says lost when history has a hole in seq inside the gap', () => {
    const store = range(1, 20).filter((m) => m.seq !== 7);
    const c = new RoomCursor('r');
    joinedAt(c, 3);
    const ask = c.resync({ type: 'resync', room: 'r', recovered: false, epoch: 'e1', since: 30 });
    assert.ok(ask);
    c.message(msg(20));
    const p = c.page(serve(store, ask));
    assert.equal(p.done?.status, 'lost');
    assert.deepEqual(
      p.fresh.map((m) => m.seq),
      [4, 5, 6, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19],
    );
  });

  it('says lost when the epoch changed, even if history looks whole', () => {
    const c = new RoomCursor('r');
    joinedAt(c, 3);
    const ask = c.resync({ type: 'resync', room: 'r', recovered: false, epoch: 'e2', since: 30 });
    assert.ok(ask);
    assert.equal(c.page(serve(range(1, 5), ask)).done?.status, 'lost');
    assert.deepEqual(c.rejoin(), { since: 50, epoch: 'e2' });
  });

  it('waits for the next message when history ends inside the gap, and judges by its seq', () => {
    const c = new RoomCursor('r');
    joinedAt(c, 3);
    const ask = c.resync({ type: 'resync', room: 'r', recovered: false, epoch: 'e1', since: 30 });
    assert.ok(ask);
    const p = c.page(serve(range(1, 6), ask));
    assert.deepEqual([p.done, p.ask], [undefined, undefined]);
    assert.equal(c.message(msg(6)).done, undefined, 'a copy of a filled message settles nothing');
    // seq 7 never reached history or this client: 8 shows the hole.
    assert.deepEqual(c.message(msg(8)), {
      fresh: true,
      done: { room: 'r', status: 'lost', filled: 3 },
    });
  });

  it('pages over a second gap that opened while a page was in flight', () => {
    const store = range(1, 150);
    const c = new RoomCursor('r');
    joinedAt(c, 3);
    const first = c.resync({ type: 'resync', room: 'r', recovered: false, epoch: 'e1', since: 30 });
    assert.ok(first);
    c.message(msg(10));
    // The second gap opens after 10, before the first page's reply comes back.
    assert.equal(
      c.resync({ type: 'resync', room: 'r', recovered: false, epoch: 'e1', since: 100 }),
      undefined,
    );
    c.message(msg(150));
    const reply = serve(store, first);
    const p1 = c.page({ ...reply, messages: reply.messages.slice(0, 5) });
    assert.equal(p1.done, undefined, 'a short page must not end a fill that has a newer gap');
    assert.equal(p1.ask?.after, 80);
    let p = p1;
    while (!p.done) {
      assert.ok(p.ask);
      p = c.page(serve(store, p.ask));
    }
    assert.equal(p.done.status, 'complete');
  });

  it('rejoins from before an unfinished gap, and lets a recovered reply finish it', () => {
    const c = new RoomCursor('r');
    joinedAt(c, 3);
    assert.ok(c.resync({ type: 'resync', room: 'r', recovered: false, epoch: 'e1', since: 30 }));
    c.message(msg(9));
    // The connection drops before the page comes back: the rejoin asks from before the gap.
    assert.deepEqual(c.rejoin(), { since: 30, epoch: 'e1' });
    const j = c.joined({
      type: 'joined',
      room: 'r',
      members: [],
      history: range(4, 10),
      epoch: 'e1',
      recovered: true,
    });
    assert.equal(j.ask, undefined);
    assert.deepEqual(
      j.fresh.map((m) => m.seq),
      [4, 5, 6, 7, 8, 10],
    );
    assert.deepEqual(c.rejoin(), { since: 100, epoch: 'e1' });
  });

  it('stops after ten pages and says the rest is not shown', () => {
    const c = new RoomCursor('r');
    joinedAt(c, 1);
    let ask = c.resync({ type: 'resync', room: 'r', recovered: false, epoch: 'e1', since: 10 });
    const store = range(1, 5000);
    for (let i = 0; i < 10; i++) {
      assert.ok(ask, `page ${i}`);
      const p = c.page(serve(store, ask));
      if (i < 9) ask = p.ask;
      else assert.deepEqual(p.done, { room: 'r', status: 'truncated', filled: 1000 });
    }
  });

  it('reports a refused read as failed', () => {
    const c = new RoomCursor('r');
    joinedAt(c, 1);
    c.resync({ type: 'resync', room: 'r', recovered: false, epoch: 'e1', since: 10 });
    assert.deepEqual(c.failed(), { room: 'r', status: 'failed', filled: 0 });
    assert.equal(c.failed(), undefined);
  });

  it('ends holding every kept message, complete exactly when none in the gap was destroyed', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 0, max: 260 }),
        fc.integer({ min: 0, max: 30 }),
        fc.uniqueArray(fc.integer({ min: 1, max: 320 }), { maxLength: 5 }),
        (held, gapLen, liveAfter, destroyed) => {
          const total = held + gapLen + liveAfter;
          const gone = new Set(destroyed.filter((s) => s > held && s <= total));
          const store = range(1, total).filter((m) => !gone.has(m.seq ?? 0));
          const c = new RoomCursor('r');
          joinedAt(c, held);
          let ask = c.resync({
            type: 'resync',
            room: 'r',
            recovered: false,
            epoch: 'e1',
            since: held * 10,
          });
          const shown = new Set(range(1, held).map((m) => m.seq));
          for (const m of range(held + gapLen + 1, total)) if (c.message(m).fresh) shown.add(m.seq);
          let done: FillOutcome | undefined;
          for (let i = 0; i < 20 && ask && !done; i++) {
            const p = c.page(serve(store, ask));
            for (const m of p.fresh) {
              assert.ok(!shown.has(m.seq), `seq ${m.seq} shown twice`);
              shown.add(m.seq);
            }
            done = p.done;
            ask = p.ask;
          }
          // Nothing came after the gap yet: the next message settles it.
          done ??= c.message(msg(total + 1)).done;
          assert.ok(done, 'the fill never ended');
          const lostInGap = [...gone].some((s) => s <= held + gapLen);
          assert.equal(done.status, lostInGap ? 'lost' : 'complete');
          for (const m of store) assert.ok(shown.has(m.seq), `seq ${m.seq} never shown`);
        },
      ),
      { numRuns: 300 },
    );
  });
});
