import type { StoredMessage } from '@chatfleet/protocol';
import { type ConversationBroker, dmParties, routeDm } from '@chatfleet/store';
import type { GatewayParts } from './gateway-parts.js';
import type { DmPositions, DmTrack } from './dm-positions.js';
import { tellDmLoss } from '../session/session-identity.js';
import type { SessionState } from '../session/session-state.js';

// A failover loses what the primary acknowledged in its last moments (seconds of replica lag),
// and the check after it comes once Redis answers again (a managed failover takes a minute or
// two): a DM noted longer ago than this was replicated long before any failover that cut it.
const RECENT_MS = 300_000;

export type DmLossParts = Pick<
  GatewayParts,
  'sessions' | 'store' | 'log' | 'metrics' | 'limits' | 'judgesSilence'
> & { readonly broker: ConversationBroker; readonly dms: DmPositions };

/** Redis lost the DMs of `track` after id `since`; `track` already holds the new epoch. */
export interface DmLoss {
  track: DmTrack;
  since: number;
}

/**
 * Compares the DM conversations noted lately with Redis. One whose last DM seen here Redis no
 * longer has (a failover to a replica that lagged) starts a new epoch, and both sides are told;
 * so is one whose epoch moved on (another gateway found the loss first). Runs with the position
 * check, so a lost DM that nobody answers is told too.
 */
export async function checkDmPositions(core: DmLossParts): Promise<void> {
  const recent = core.dms.recent(RECENT_MS).filter((t) => t.epoch !== '');
  if (recent.length === 0) return;
  const had = recent.map((t) => ({ epoch: t.epoch, id: t.id }));
  const pos = await core.broker.positions(recent.map((t) => t.conv));
  const losses: DmLoss[] = [];
  for (const [i, t] of recent.entries()) {
    const p = pos[i];
    const h = had[i];
    if (!p || !h || (p.epoch === h.epoch && p.id === h.id)) continue;
    // Newer DMs than the one seen here, or another epoch: the window says whether ours is kept
    // (and a new epoch starts in the same step if it is not).
    const { pos: now } = await core.broker.catchUp(t.conv, h);
    // Kept; or a DM noted meanwhile opened the new epoch here and told of it already.
    if (now.epoch === h.epoch || t.epoch !== h.epoch) continue;
    t.epoch = now.epoch;
    t.id = Math.max(t.id, now.id);
    losses.push({ track: t, since: h.id });
  }
  if (losses.length > 0) await tellDmLosses(core, losses);
}

/**
 * Tells both sides of each conversation: sessions here at once (before any await, so before
 * the DM that revealed the loss), anyone else by a notice routed like a DM: live on their
 * gateway, or from their mailbox at their next welcome. A side told twice (its own gateway
 * found the loss as well) sees it once: sessions drop a second notice of the same epoch.
 */
export async function tellDmLosses(core: DmLossParts, losses: DmLoss[]): Promise<void> {
  const here = new Map<string, SessionState[]>();
  for (const s of core.sessions.values()) {
    if (s.closed || s.ident === '') continue;
    const id = s.ident.toLowerCase();
    here.set(id, [...(here.get(id) ?? []), s]);
  }
  const notices: StoredMessage[] = [];
  for (const { track: t, since } of losses) {
    core.metrics.dmLosses.inc();
    core.log.warn({ conv: t.conv, since, epoch: t.epoch }, 'Redis lost DMs, telling both sides');
    const parties = dmParties(t.conv) ?? [];
    for (const me of parties) {
      const peer = t.nicks.get(parties.find((p) => p !== me) ?? me);
      const mine = t.nicks.get(me);
      if (peer === undefined) continue;
      const open = here.get(me) ?? [];
      for (const s of open) tellDmLoss(s, { conv: t.conv, with: peer, epoch: t.epoch, since });
      if (open.length > 0 || mine === undefined) continue;
      notices.push({
        conv: t.conv,
        from: peer,
        to: mine,
        toIdent: me,
        text: '',
        id: since,
        ts: core.store.clock.now(),
        lost: true,
        epoch: t.epoch,
      });
    }
  }
  for (const m of notices) {
    await routeDm(core.store, m, 'live', core.limits.gatewayTimeoutMs, {
      judgeSilence: core.judgesSilence(),
    }).catch((err: unknown) =>
      core.log.warn({ conv: m.conv, err: String(err) }, 'DM loss notice not routed'),
    );
  }
}
