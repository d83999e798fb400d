import { claimNick } from '@chatfleet/store';
import type { SessionState } from './session-state.js';
import { enqueue } from './session-match.js';

/**
 * After Redis came back, puts back what this session holds, in case Redis lost its data: the
 * nick (with the same token), its places in member lists, its ticket. Idempotent when nothing
 * was lost. A nick somebody else took meanwhile ends this session.
 */
export async function restoreSession(s: SessionState): Promise<void> {
  const { hub } = s;
  if (s.nick === undefined || s.closed) return;
  const res = await claimNick(hub.store, {
    nick: s.nick,
    gw: hub.gw,
    sid: s.sid,
    restore: { token: s.token, ident: s.ident },
    gatewayTimeoutMs: hub.limits.gatewayTimeoutMs,
  });
  if (res.status !== 'ok') return s.bye('replaced');
  for (const room of s.rooms.keys()) await hub.presence.restore(room, s.nick, s.sid);
  await s.saveState();
  if (s.waiting) await enqueue(s, 'requeue');
}
