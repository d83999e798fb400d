import { abandonMatch, type ControlEnvelope, routeDm } from '@chatfleet/store';
import type { GatewayParts } from './gateway-parts.js';
import { onDmTyping } from '../session/session-typing.js';
import { tellRemoval } from '../moderation/removal-notice.js';

/**
 * One event from this gateway's inbox. Throws when Redis cannot take the follow-up, so the
 * inbox reader keeps the event and tries again.
 */
export async function handleControl(core: GatewayParts, env: ControlEnvelope): Promise<void> {
  const s = 'sid' in env ? core.sessions.get(env.sid) : undefined;
  switch (env.k) {
    case 'matched':
      if (s && !s.closed) {
        void s.matched(env.room, env.partner, env.tags, env.partnerIdent);
        return;
      }
      // Paired a session that is gone: end the match so the partner is queued again.
      return abandonMatch(core.store, env.room, env.sid);
    case 'dm':
      if (s?.deliverDm(env.m) || core.dmShown(env.sid, env.m)) return;
      // The addressed session closed before delivery: route it again, past that session.
      await routeDm(core.store, env.m, 'again', core.limits.gatewayTimeoutMs, {
        goneSid: env.sid,
        judgeSilence: core.judgesSilence(),
      });
      return;
    case 'kick':
      if (s && env.reason === 'kicked') core.metrics.moderation.inc({ action: 'kick' });
      s?.bye(env.reason, undefined, env.message);
      return;
    case 'bans':
      // Throws while Redis cannot answer: the event stays in the inbox and comes again.
      return core.refreshBans(true);
    case 'removed':
      return tellRemoval(core, env);
    case 'typing':
      if (s && !s.closed) onDmTyping(s, env);
  }
}
