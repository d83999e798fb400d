import { type ControlEnvelope, dmParties } from '@chatfleet/store';
import type { GatewayParts } from '../gateway/gateway-parts.js';

type Removed = Extract<ControlEnvelope, { k: 'removed' }>;

/**
 * A moderator removed a message: room members connected here get `removed {room, id}` in order
 * with the room's other events; the two sides of a DM get `removed {with, id}`.
 */
export function tellRemoval(core: GatewayParts, env: Removed): void {
  core.metrics.moderation.inc({ action: 'remove' });
  if (env.room !== undefined) {
    for (const s of core.sessions.values()) {
      if (s.rooms.has(env.room)) s.live({ k: 'rm', sid: '', room: env.room, id: env.id });
      // A match usually ends before its messages are removed (a ban ends it): the one who
      // stayed still has that chat on screen.
      else if (s.strangerIn(env.room) && !s.closed)
        s.emit({ type: 'removed', room: env.room, id: env.id });
    }
    return;
  }
  const sides = new Set(dmParties(env.conv));
  for (const s of core.sessions.values()) {
    if (s.closed || s.ident === '' || !sides.has(s.ident.toLowerCase())) continue;
    const isRecipient =
      env.toIdent !== undefined
        ? env.toIdent === s.ident
        : env.to?.toLowerCase() === s.nick?.toLowerCase();
    const other = isRecipient ? env.from : env.to;
    s.emit({ type: 'removed', id: env.id, ...(other !== undefined ? { with: other } : {}) });
  }
}
