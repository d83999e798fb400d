import type { StoredMessage } from '@chatfleet/protocol';
import type { Logger } from '@chatfleet/runtime';
import type { Presence, StoreContext } from '@chatfleet/store';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import type { SessionLimits } from '../session/hub.js';
import type { SessionState } from '../session/session-state.js';
import type { BanList } from '../moderation/ban-list.js';

/**
 * What the gateway's loops (inbox events, housekeeping, leases, restore) use of the core that
 * starts them: named here, so they depend on it without importing it back.
 */
export interface GatewayParts {
  readonly gw: string;
  readonly store: StoreContext;
  readonly presence: Presence;
  readonly log: Logger;
  readonly metrics: GatewayMetrics;
  readonly limits: SessionLimits;
  readonly sessions: ReadonlyMap<string, SessionState>;
  readonly bans: BanList;
  /** Reads the bans (if they changed, or `force`), then ends the connections they cover. */
  refreshBans(force?: boolean): Promise<void>;
  /** Whether a session that closed recently had already shown this DM. */
  dmShown(sid: string, m: StoredMessage): boolean;
  beat(): Promise<void>;
  /** Whether its own heartbeats have held long enough to take another gateway's silence for death. */
  judgesSilence(): boolean;
  /** Catches up conversations whose position is out of step with what was dispatched. */
  checkPositions(): Promise<void>;
  renew(): Promise<void>;
}
