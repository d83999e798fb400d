import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type Fleet,
  type Frame,
  readMetric,
  type ServiceProcess,
  startFleet,
  waitUntil,
  WsClient,
} from '@chatfleet/testing';

const BUSY = { RATE_PER_SEC: '5000', RATE_BURST: '5000', FLOOD_LIMIT: '1000000' };

const ids = (frames: Frame[], room: string): number[] =>
  frames.flatMap((f) =>
    f.type === 'joined' && f['room'] === room
      ? (f['history'] as Frame[]).map((m) => Number(m['id']))
      : f.type === 'message' && f['room'] === room
        ? [Number(f['id'])]
        : [],
  );

const increasing = (xs: number[]) => xs.every((x, i) => i === 0 || x > (xs[i - 1] ?? 0));

type Socketed = { _socket: { pause(): void; resume(): void } };
const pause = (c: WsClient) => (c.ws as unknown as Socketed)._socket.pause();
const resume = (c: WsClient) => (c.ws as unknown as Socketed)._socket.resume();

async function members(gw: ServiceProcess, room: string, nicks: string[]) {
  const cs: WsClient[] = [];
  for (const nick of nicks) {
    const { c } = await WsClient.hello(gw.wsPort, nick);
    await c.request({ type: 'join', room });
    cs.push(c);
  }
  return cs;
}

const onTopic = (gw: ServiceProcess) => readMetric(gw.metricsPort, 'chat_topic_members');

/** Says `count` messages with refs `${tag}${from}`… and waits for the last one's ack. */
async function burst(
  w: WsClient,
  room: string,
  text: string,
  tag: string,
  from: number,
  count: number,
) {
  for (let i = from; i < from + count; i++) w.send({ type: 'say', room, text, ref: `${tag}${i}` });
  await w.next('message', (f) => f['ref'] === `${tag}${from + count - 1}`, 10_000);
  return from + count;
}

const readsAll = (c: WsClient, room: string, n: number, timeoutMs: number, what: string) =>
  waitUntil(() => ids(c.frames.items, room).length >= n, timeoutMs, what);

// Steady members of a room share one uWS publish per message; these tests hold that path to
// the delivery guarantees of the per-session one.
describe('ws-gateway native fan-out', () => {
  let fleet: Fleet;
  before(async () => {
    fleet = await startFleet({ gateways: 0, wsGateways: 0 });
  });
  after(() => fleet.stop());

  it('delivers a busy room once and in order to its members and to one joining mid-stream, with every ack', async () => {
    const gw = await fleet.add('ws-gateway', BUSY);
    const [a, b, r] = await members(gw, 'busy', ['tfa', 'tfb', 'tfr']);
    assert.ok(a && b && r);
    await waitUntil(async () => (await onTopic(gw)) === 3, 5000, 'all three on the topic');
    const write = async (c: WsClient, tag: string) => {
      for (let i = 0; i < 300; i++) {
        c.send({ type: 'say', room: 'busy', text: `${tag} ${i}`, ref: `${tag}${i}` });
        if (i % 25 === 24) await sleep(5);
      }
    };
    const writing = Promise.all([write(a, 'a'), write(b, 'b')]);
    await a.next('message', (f) => f['ref'] === 'a100', 10_000);
    const { c: j } = await WsClient.hello(gw.wsPort, 'tfj');
    await j.request({ type: 'join', room: 'busy' });
    await writing;
    await readsAll(r, 'busy', 600, 15_000, 'all 600 read');
    await a.request({ type: 'ping' });
    const all = ids(r.frames.items, 'busy');
    assert.equal(all.length, 600);
    assert.ok(increasing(all), 'the reader got them out of order');
    for (const [c, tag] of [
      [a, 'a'],
      [b, 'b'],
    ] as const) {
      assert.deepEqual(ids(c.frames.items, 'busy'), all, `${tag} got another sequence`);
      const refs = c.frames.items.filter((f) => f.type === 'message' && f['ref'] !== undefined);
      assert.deepEqual(
        refs.map((f) => f['ref']),
        Array.from({ length: 300 }, (_, i) => `${tag}${i}`),
        `${tag} did not get each ack once, in order`,
      );
    }
    const late = ids(j.frames.items, 'busy');
    assert.ok(late.length > 0);
    assert.deepEqual(late, all.slice(all.indexOf(late[0] ?? -1)), 'the late joiner has a hole');
    assert.equal(await onTopic(gw), 4, 'the late joiner went onto the topic path');
    for (const c of [a, b, r, j]) c.close();
  });

  it('takes a member that falls behind off the topic, paces it, and it still gets everything', async () => {
    const gw = await fleet.add('ws-gateway', { ...BUSY, MAX_BACKLOG_BYTES: '67108864' });
    const [w, r] = await members(gw, 'behind', ['tfw', 'tfs']);
    assert.ok(w && r);
    await waitUntil(async () => (await onTopic(gw)) === 2, 5000, 'both on the topic');
    pause(r);
    let sent = 0;
    const text = 'y'.repeat(2000);
    // Until the kernel's buffers are full and uWS holds more than PACE_BYTES for the reader.
    while ((await onTopic(gw)) === 2 && sent < 20_000)
      sent = await burst(w, 'behind', text, 'w', sent, 200);
    const left = await onTopic(gw);
    assert.equal(left, 1, `${left} on the topic after ${sent} messages`);
    for (let i = 0; i < 100; i++) w.send({ type: 'say', room: 'behind', text, ref: `w${sent++}` });
    resume(r);
    await readsAll(r, 'behind', sent, 30_000, 'the paced reader caught up');
    await readsAll(w, 'behind', sent, 10_000, 'the writer has all');
    const got = ids(r.frames.items, 'behind');
    assert.equal(got.length, sent);
    assert.ok(increasing(got), 'out of order after pacing');
    assert.deepEqual(got, ids(w.frames.items, 'behind'));
    await w.request({ type: 'say', room: 'behind', text: 'and back', ref: 'last' });
    await waitUntil(async () => (await onTopic(gw)) === 2, 5000, 'both on the topic');
    for (const c of [w, r]) c.close();
  });

  it('disconnects a member that stops reading, and the others get everything', async () => {
    const gw = await fleet.add('ws-gateway', {
      ...BUSY,
      MAX_BACKLOG_BYTES: '262144',
      SLOW_READER_MS: '1000',
    });
    const [w, other, r] = await members(gw, 'stuck', ['tfx', 'tfo', 'tfz']);
    assert.ok(w && other && r);
    await waitUntil(async () => (await onTopic(gw)) === 3, 5000, 'all three on the topic');
    pause(r);
    const text = 'z'.repeat(2000);
    let sent = 0;
    const deadline = Date.now() + 30_000;
    while ((await readMetric(gw.metricsPort, 'chat_disconnects_total', { reason: 'slow' })) < 1) {
      assert.ok(Date.now() < deadline, `the stuck reader was not dropped after ${sent} messages`);
      sent = await burst(w, 'stuck', text, 'x', sent, 100);
    }
    resume(r);
    assert.equal((await r.closed).code, 1008);
    await readsAll(other, 'stuck', sent, 15_000, 'the others got all');
    const got = ids(other.frames.items, 'stuck');
    assert.equal(got.length, sent);
    assert.ok(increasing(got));
    assert.equal(await onTopic(gw), 2, 'the dropped reader left the topic');
    for (const c of [w, other]) c.close();
  });

  it("gives a stranger's last words before partner_left, and no ping after it", async () => {
    const gw = await fleet.add('ws-gateway', BUSY);
    const { c: a } = await WsClient.hello(gw.wsPort, 'tfm1');
    const { c: b } = await WsClient.hello(gw.wsPort, 'tfm2');
    let pings = 0;
    b.ws.on('ping', () => pings++);
    a.send({ type: 'match' });
    b.send({ type: 'match' });
    const room = String((await b.next('matched', () => true, 10_000))['room']);
    await a.next('matched', () => true, 10_000);
    await waitUntil(async () => (await onTopic(gw)) === 2, 5000, 'both on the topic');
    for (let i = 0; i < 50; i++) a.send({ type: 'say', room, text: `last ${i}` });
    a.send({ type: 'quit' });
    await b.next('partner_left', (f) => f['room'] === room, 10_000);
    await b.request({ type: 'ping' });
    const inRoom = b.frames.items.filter((f) => f['room'] === room && f.type !== 'matched');
    assert.deepEqual(
      inRoom.map((f) => (f.type === 'message' ? f['text'] : f.type)),
      [...Array.from({ length: 50 }, (_, i) => `last ${i}`), 'partner_left'],
    );
    assert.equal(pings, 0, 'a leave flushed by partner_left needs no ping');
    assert.equal(await onTopic(gw), 0);
    b.close();
  });
});
