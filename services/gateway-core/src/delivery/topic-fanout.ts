import { conv, type LiveEnvelope } from '@chatfleet/store';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import type { TopicMember, TopicMembership } from '../session/hub.js';
import type { RoomState } from './room-state.js';

/** Sends bytes to every connection subscribed to a topic, in native code (uWS `app.publish`). */
export type Broadcast = (topic: string, bytes: Uint8Array) => void;

// How often members whose room had messages are checked for a client falling behind.
const CHECK_MS = 50;

type MessageEnvelope = Extract<LiveEnvelope, { k: 'm' }>;

interface Member {
  s: TopicMember;
  st: RoomState;
}

interface Group {
  readonly topic: string;
  /** The last message published to the topic: every member was sent everything up to it. */
  lastId: number;
  readonly members: Map<string, Member>;
}

export interface TopicFanoutOptions {
  broadcast: Broadcast;
  metrics: GatewayMetrics;
  paceBytes: number;
  /** The last message id the gateway dispatched in a conversation, if it listens to it. */
  dispatchedId(conv: string): number | undefined;
  now(): number;
}

/**
 * The native fan-out path. A session whose room is steady (joined, nothing held back, its
 * client keeping up) is subscribed to the conversation's topic, and one publish reaches every
 * such session on this gateway. Everyone else takes the per-session path: joining or paced
 * sessions, and a sender owed the ref on its own copy. Members whose client fell behind go
 * back to the per-session path, which paces them and drops them as slow (checked every
 * CHECK_MS in rooms that had messages).
 */
export class TopicFanout implements TopicMembership {
  private readonly groups = new Map<string, Group>();
  private readonly touched = new Set<Group>();
  private checkQueued = false;

  constructor(private readonly o: TopicFanoutOptions) {}

  enter(s: TopicMember, room: string, st: RoomState): void {
    const t = s.transport;
    // A topic member that sends must be able to publish past itself (its copy goes apart).
    if (!t.subscribe || !t.publishOthers) return;
    if (st.topic || st.buffer || st.joining || st.draining || s.closed) return;
    if (s.rooms.get(room) !== st) return;
    const c = conv.room(room);
    const at = this.o.dispatchedId(c);
    // Ahead of the stream (history read a message whose live copy is still on its way): a
    // topic member would get that copy again, so wait on the per-session path, which drops it.
    if (at === undefined || st.lastId > at || t.backlog() > this.o.paceBytes) return;
    let g = this.groups.get(c);
    if (!g) {
      g = { topic: c, lastId: at, members: new Map() };
      this.groups.set(c, g);
    }
    g.members.set(s.sid, { s, st });
    this.o.metrics.topicMembers.inc();
    st.topic = g;
    t.subscribe(g.topic);
  }

  exit(s: TopicMember, room: string): void {
    this.leave(conv.room(room), s.sid);
  }

  /** The session left the conversation (or closed). */
  leave(c: string, sid: string): void {
    const g = this.groups.get(c);
    const m = g?.members.get(sid);
    if (!g || !m) return;
    g.members.delete(sid);
    this.o.metrics.topicMembers.dec();
    if (g.members.size === 0) this.groups.delete(c);
    m.st.lastId = Math.max(m.st.lastId, g.lastId);
    m.st.topic = undefined;
    m.s.transport.unsubscribe?.(g.topic);
  }

  /**
   * One message for a conversation: published once to its topic members, handed to `each` for
   * every other listener. False when nobody here is on the topic (the caller does it all).
   */
  deliver(c: string, sids: ReadonlySet<string>, env: MessageEnvelope, each: (sid: string) => void) {
    const g = this.groups.get(c);
    if (!g || !env.wire) return false;
    // The sender's copy carries its ref: it goes first, the per-session way, and may leave the
    // topic there (to be paced) while g.lastId still says what it was sent.
    const sender = env.ref !== undefined && g.members.has(env.sid) ? env.sid : undefined;
    if (sender !== undefined) each(sender);
    const senderStays = sender !== undefined && g.members.has(sender);
    const n = g.members.size - (senderStays ? 1 : 0);
    if (n > 0) {
      const sm = senderStays ? g.members.get(sender) : undefined;
      if (sm) sm.s.transport.publishOthers?.(g.topic, env.wire.bytes);
      else this.o.broadcast(g.topic, env.wire.bytes);
      this.o.metrics.framesOutOf.message.inc(n);
      // One sample per message per gateway for the topic path (docs/metrics.md).
      this.o.metrics.roomDelivery.observe(Math.max(0, this.o.now() - env.m.ts) / 1000);
    }
    g.lastId = env.m.id;
    if (g.members.size < sids.size)
      for (const sid of sids) if (sid !== sender && !g.members.has(sid)) each(sid);
    this.touched.add(g);
    if (!this.checkQueued) {
      this.checkQueued = true;
      // Once per CHECK_MS, not per message: the check was as costly as the fan-out itself.
      // uWS's maxBackpressure leaves room for far more than CHECK_MS of publishes.
      setTimeout(() => this.checkBacklogs(), CHECK_MS);
    }
    return true;
  }

  /** Members whose client holds more than PACE_BYTES unread go back to paced delivery. */
  private checkBacklogs(): void {
    this.checkQueued = false;
    for (const g of this.touched)
      for (const [sid, m] of g.members)
        if (m.s.transport.backlog() > this.o.paceBytes) this.leave(g.topic, sid);
    this.touched.clear();
  }
}
