import { performance } from 'node:perf_hooks';
import { toMessageFrame } from '@chatfleet/protocol';
import type { LiveEnvelope } from '@chatfleet/store';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import type { SessionState } from '../session/session-state.js';
import { Wire } from '../session/wire.js';
import type { TopicFanout } from './topic-fanout.js';

export interface DispatchTarget {
  sessions: ReadonlyMap<string, SessionState>;
  topics: TopicFanout | undefined;
  metrics: GatewayMetrics;
}

/**
 * Where a live event reaches the members of its conversation on this gateway: one publish for
 * those on the transport's topic, the per-session path (`onLive`) for everyone else. Events come
 * here in conversation order, once each (the subscriptions see to that).
 */
export function dispatchLive(
  t: DispatchTarget,
  conv: string,
  sids: ReadonlySet<string>,
  env: LiveEnvelope,
): void {
  if (env.k === 'm' && !env.frame) {
    // Built once per gateway, not once per member.
    env.frame = toMessageFrame(env.m);
    env.wire = new Wire(JSON.stringify(env.frame));
  }
  const t0 = performance.now();
  const each = (sid: string) => t.sessions.get(sid)?.live(env);
  if (env.k !== 'm' || !t.topics?.deliver(conv, sids, env, each)) for (const sid of sids) each(sid);
  // Fan-out is timed per message; presence and the like are not messages.
  if (env.k === 'm') t.metrics.fanout.observe((performance.now() - t0) / 1000);
}
