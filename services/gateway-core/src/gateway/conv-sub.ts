import type { LiveEnvelope } from '@chatfleet/store';

/** One conversation this gateway listens to, shared by all its sessions in it. */
export interface ConvSub {
  readonly conv: string;
  readonly room: string;
  readonly sids: Set<string>;
  /** live: events go straight out; otherwise they are held until a catch-up read. */
  state: 'subscribing' | 'live' | 'recovering';
  /** Bumped whenever its subscription drops: reads and waits begun before prove nothing. */
  gen: number;
  /** Whether the position below was ever read (a fresh subscription has nothing to recover). */
  known: boolean;
  /** The last message dispatched: its epoch, seq and id. */
  epoch: string;
  seq: number;
  id: number;
  /**
   * The epoch `id` was stamped in: after an epoch change with nothing dispatched since, it is
   * the old one, so what this gateway saw is never taken for a message of the new epoch.
   */
  idEpoch: string;
  /** The store's position at the previous position check, if this gateway was behind it. */
  owed?: { epoch: string; id: number };
  held: LiveEnvelope[];
  /** Held events were dropped for space: read the window once more before going live. */
  stale: boolean;
  /** The catch-up in flight, if any; `again` asks for another once it ends. */
  recovering?: { gen: number; again: boolean };
  waiters: ((live: boolean) => void)[];
}

/**
 * The seq the window must start with for nothing to be missing, or undefined if the epoch
 * changed after we had dispatched messages of the old one (they, and what followed, are gone).
 */
export function nextExpected(c: Pick<ConvSub, 'epoch' | 'seq'>, epoch: string): number | undefined {
  if (epoch === c.epoch) return c.seq + 1;
  return c.seq === 0 ? 1 : undefined;
}
