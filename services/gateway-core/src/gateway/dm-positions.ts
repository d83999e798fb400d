import type { StoredMessage } from '@chatfleet/protocol';
import { dmParties, type Seen } from '@chatfleet/store';

/** One DM conversation a session of this gateway sent or was handed a DM in lately. */
export interface DmTrack {
  readonly conv: string;
  /** The epoch and id of the newest DM noted here ('' once Redis no longer had the position). */
  epoch: string;
  id: number;
  /** When a DM was last noted, by this process's clock. */
  at: number;
  /** Each party's nick as the DMs named it, by identity in lower case (as in the conv id). */
  readonly nicks: Map<string, string>;
}

/**
 * What this gateway last saw of each DM conversation (the newest `max`, least recently noted
 * dropped first). A DM carries its conversation's epoch: one newer than the epoch noted before
 * means Redis lost acknowledged DMs in between (a failover to a replica that lagged), and the
 * noted position is what a send passes as `seen`, so the send script can find such a loss too.
 */
export class DmPositions {
  private readonly convs = new Map<string, DmTrack>();

  constructor(private readonly o: { max: number; now: () => number }) {}

  get size(): number {
    return this.convs.size;
  }

  seen(conv: string): Seen | undefined {
    const t = this.convs.get(conv);
    return t && t.epoch !== '' ? { epoch: t.epoch, id: t.id } : undefined;
  }

  /**
   * Notes a DM a session here sent or was handed. Returns the track and the id of the last DM
   * noted before when the DM opens a newer epoch: what lay between is gone.
   */
  note(m: StoredMessage): { track: DmTrack; since: number } | undefined {
    const parties = dmParties(m.conv);
    // Routed from a partition stream (the history-writer's backup route): no epoch to compare;
    // a notice of a loss is told, not noted.
    if (!m.epoch || m.lost || !parties) return undefined;
    let t = this.convs.get(m.conv);
    let since: number | undefined;
    if (!t) {
      t = { conv: m.conv, epoch: m.epoch, id: m.id, at: 0, nicks: new Map() };
    } else {
      this.convs.delete(m.conv);
      if (m.epoch === t.epoch) t.id = Math.max(t.id, m.id);
      else if (t.epoch === '') Object.assign(t, { epoch: m.epoch, id: m.id });
      else if (m.id > t.id) {
        since = t.id;
        Object.assign(t, { epoch: m.epoch, id: m.id });
      }
      // Otherwise a DM of an older epoch that arrives late: the track stays where it is.
    }
    t.at = this.o.now();
    const to = m.toIdent?.toLowerCase();
    if (to !== undefined && parties.includes(to)) {
      if (m.to !== undefined) t.nicks.set(to, m.to);
      const from = parties[0] === to ? parties[1] : parties[0];
      t.nicks.set(from, m.from);
    }
    this.convs.set(m.conv, t);
    for (const old of this.convs.keys()) {
      if (this.convs.size <= this.o.max) break;
      this.convs.delete(old);
    }
    return since === undefined ? undefined : { track: t, since };
  }

  /** The conversations noted within the last `spanMs`: the ones a failover could have cut. */
  recent(spanMs: number): DmTrack[] {
    const from = this.o.now() - spanMs;
    return [...this.convs.values()].filter((t) => t.at >= from);
  }
}
