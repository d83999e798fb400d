import type { ControlEnvelope } from '../envelopes.js';
import { guarded, type StoreContext } from '../context.js';
import { appendInbox } from '../inbox.js';

/**
 * Puts an event in the inbox of every gateway in the fleet's list. An inbox keeps it while its
 * gateway's reader is away, so a gateway that blips still acts on it; a gateway that starts
 * later reads the state itself. Returns how many gateways were told.
 */
export async function tellGateways(ctx: StoreContext, env: ControlEnvelope): Promise<number> {
  const gws = await guarded(() => ctx.redis.zrange(ctx.keys.gateways(), '0', '-1'));
  for (const gw of gws) await appendInbox(ctx, gw, env);
  return gws.length;
}
