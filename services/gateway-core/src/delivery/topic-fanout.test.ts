import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import type { LiveEnvelope } from '@chatfleet/store';
import { createGatewayMetrics } from '../metrics/gateway-metrics.js';
import { delivered } from './room-delivery.js';
import { newRoomState, type RoomState } from './room-state.js';
import type { SessionState } from '../session/session-state.js';
import { Wire } from '../session/wire.js';
import { TopicFanout } from './topic-fanout.js';

const CONV = 'r:lobby';

/** A session as far as the fan-out looks at it, with a transport that records what it did. */
function member(sid: string, log: string[]) {
  const st: RoomState = { ...newRoomState(), buffer: undefined, joining: false };
  const t = {
    backlog: 0,
    subscribe: (topic: string) => log.push(`${sid} sub ${topic}`),
    unsubscribe: (topic: string) => log.push(`${sid} unsub ${topic}`),
    publishOthers: (topic: string) => log.push(`${sid} publishes to others of ${topic}`),
  };
  const s = {
    sid,
    closed: false,
    rooms: new Map([['lobby', st]]),
    transport: { ...t, backlog: () => t.backlog },
  };
  return { s: s as unknown as SessionState, st, t };
}

/** Members `sids`, each entered onto the topic. */
function onTopic(fan: TopicFanout, log: string[], ...sids: string[]) {
  const ms = sids.map((sid) => member(sid, log));
  for (const m of ms) fan.enter(m.s, 'lobby', m.st);
  return ms;
}

function setup(dispatched = 10) {
  const log: string[] = [];
  const metrics = createGatewayMetrics(new Registry(), 'ws');
  const fan = new TopicFanout({
    broadcast: (topic) => log.push(`broadcast ${topic}`),
    metrics,
    paceBytes: 1000,
    dispatchedId: () => dispatched,
    now: () => 0,
  });
  return { log, fan, metrics };
}

const message = (id: number, sid = 'x', ref?: string): Extract<LiveEnvelope, { k: 'm' }> => ({
  k: 'm',
  sid,
  ...(ref !== undefined ? { ref } : {}),
  m: { id, seq: id, ts: 0, conv: CONV, room: 'lobby', from: 'n', text: 't' },
  wire: new Wire('{}'),
});

describe('TopicFanout', () => {
  it('publishes a message once for its members and hands it to everyone else', () => {
    const { log, fan } = setup();
    const [a, b] = onTopic(fan, log, 'a', 'b');
    assert.ok(a && b);
    const each: string[] = [];
    assert.ok(fan.deliver(CONV, new Set(['a', 'b', 'c']), message(11), (sid) => each.push(sid)));
    assert.deepEqual(log, ['a sub r:lobby', 'b sub r:lobby', 'broadcast r:lobby']);
    assert.deepEqual(each, ['c']);
    assert.equal(delivered(a.st), 11);
  });

  it('says it did nothing in a conversation with no member on the topic', () => {
    const { fan } = setup();
    assert.equal(
      fan.deliver(CONV, new Set(['a']), message(11), () => undefined),
      false,
    );
  });

  it('sends the sender its own copy first, the per-session way, and the rest to the others', () => {
    const { log, fan } = setup();
    const [a, b] = onTopic(fan, log, 'a', 'b');
    assert.ok(a && b);
    const each: string[] = [];
    fan.deliver(CONV, new Set(['a', 'b']), message(11, 'a', 'r1'), (sid) => {
      each.push(sid);
      log.push(`${sid} per session`);
    });
    assert.deepEqual(each, ['a']);
    assert.deepEqual(log.slice(2), ['a per session', 'a publishes to others of r:lobby']);
  });

  it('a sender that leaves the topic on its own copy was sent up to the message before it', () => {
    const { log, fan } = setup();
    const [a, b] = onTopic(fan, log, 'a', 'b');
    assert.ok(a && b);
    fan.deliver(CONV, new Set(['a', 'b']), message(11), () => undefined);
    // Its copy of 12 finds its client behind: it goes off the topic to be paced.
    fan.deliver(CONV, new Set(['a', 'b']), message(12, 'a', 'r1'), () => fan.exit(a.s, 'lobby'));
    assert.equal(a.st.topic, undefined);
    assert.equal(a.st.lastId, 11, 'message 12 is still owed to it, with its ref');
    assert.equal(log.at(-1), 'broadcast r:lobby');
  });

  it('keeps a session off the topic while its history is ahead of the live stream', () => {
    const { log, fan } = setup(10);
    const a = member('a', log);
    a.st.lastId = 12; // the join read message 12 before its live copy came
    fan.enter(a.s, 'lobby', a.st);
    assert.equal(a.st.topic, undefined);
    assert.deepEqual(log, []);
  });

  it('keeps joining, buffered and behind sessions off the topic', () => {
    const { log, fan } = setup();
    const joining = member('j', log);
    joining.st.joining = true;
    const buffered = member('q', log);
    buffered.st.buffer = [];
    const behind = member('s', log);
    behind.t.backlog = 5000;
    for (const m of [joining, buffered, behind]) fan.enter(m.s, 'lobby', m.st);
    assert.deepEqual(log, []);
    for (const m of [joining, buffered, behind]) assert.equal(m.st.topic, undefined);
  });

  it('moves a member whose client fell behind back to per-session delivery', async () => {
    const { log, fan } = setup();
    const [a, b] = onTopic(fan, log, 'a', 'b');
    assert.ok(a && b);
    fan.deliver(CONV, new Set(['a', 'b']), message(11), () => undefined);
    a.t.backlog = 5000;
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(a.st.topic, undefined);
    assert.equal(a.st.lastId, 11);
    assert.ok(b.st.topic);
    assert.equal(log.at(-1), 'a unsub r:lobby');
  });

  it('counts memberships in chat_topic_members', async () => {
    const { log, fan, metrics } = setup();
    const [a] = onTopic(fan, log, 'a');
    assert.ok(a);
    assert.equal((await metrics.topicMembers.get()).values[0]?.value, 1);
    fan.leave(CONV, 'a');
    assert.equal((await metrics.topicMembers.get()).values[0]?.value, 0);
  });
});
