import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Slots } from './slots.js';

const gate = () => {
  let open!: () => void;
  const p = new Promise<void>((r) => (open = r));
  return { p, open };
};

describe('Slots', () => {
  it('runs at most size tasks at once, in arrival order, and refuses past the queue', async () => {
    const slots = new Slots(2, 1);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    const gates = [gate(), gate(), gate()];
    const task = (i: number) => async () => {
      running++;
      peak = Math.max(peak, running);
      order.push(i);
      await gates[i]!.p;
      running--;
      return i;
    };
    const a = slots.run(task(0));
    const b = slots.run(task(1));
    const c = slots.run(task(2));
    assert.equal(await slots.run(async () => 99), undefined, 'the queue (1) is full');
    gates[0]!.open();
    gates[1]!.open();
    gates[2]!.open();
    assert.deepEqual(await Promise.all([a, b, c]), [{ value: 0 }, { value: 1 }, { value: 2 }]);
    assert.equal(peak, 2);
    assert.deepEqual(order, [0, 1, 2]);
    assert.deepEqual(await slots.run(async () => 'free again'), { value: 'free again' });
  });

  it('frees the slot when a task throws', async () => {
    const slots = new Slots(1, 0);
    await assert.rejects(slots.run(() => Promise.reject(new Error('boom'))));
    assert.deepEqual(await slots.run(async () => 1), { value: 1 });
  });
});
