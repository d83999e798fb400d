import {
  type Ban,
  banActive,
  banField,
  banTerm,
  banValuesFor,
  bansVersion,
  readBans,
  type StoreContext,
} from '@chatfleet/store';

/**
 * The fleet's bans as one gateway holds them, so that a connection or a hello is checked
 * without a Redis round trip. Read again when the bans' version moved: at once when a
 * moderator's `bans` event reaches the inbox, and by a poll that catches anything else.
 */
export class BanList {
  private bans = new Map<string, Ban>();
  private version: string | undefined;

  constructor(private readonly store: StoreContext) {}

  /** Reads the bans if they changed (or `force`); true when what is held changed. */
  async refresh(force = false): Promise<boolean> {
    if (!force && this.version !== undefined && (await bansVersion(this.store)) === this.version)
      return false;
    const { version, bans } = await readBans(this.store);
    this.version = version;
    this.bans = new Map(bans.map((b) => [banField(b.kind, b.value), b]));
    return true;
  }

  /** Whether the bans were read at least once (until then nobody is refused). */
  loaded(): boolean {
    return this.version !== undefined;
  }

  size(): number {
    return this.bans.size;
  }

  /** The ban that refuses this client address now, if one does. */
  forAddress(address: string): Ban | undefined {
    if (this.bans.size === 0) return undefined;
    for (const v of banValuesFor(address)) {
      const b = this.active(banField('address', v));
      if (b) return b;
    }
    return undefined;
  }

  /** The ban on this identity now, if there is one. */
  forIdent(ident: string): Ban | undefined {
    return ident === '' || this.bans.size === 0 ? undefined : this.active(banField('ident', ident));
  }

  private active(field: string): Ban | undefined {
    const b = this.bans.get(field);
    return b && banActive(b, this.store.clock.now()) ? b : undefined;
  }
}

/** What a banned person is told: why, and until when. */
export function banMessage(b: Ban): string {
  const what = b.kind === 'address' ? 'your address is banned' : 'you are banned';
  return `${what} ${banTerm(b)}${b.reason ? `: ${b.reason}` : ''}`;
}
