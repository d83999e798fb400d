import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { SeenIds, StoredMessage } from '@chatfleet/protocol';
import { Cached, Continuity, type Logger, Slots } from '@chatfleet/runtime';
import {
  appendInbox,
  type ControlEnvelope,
  type ConversationBroker,
  deregister,
  type GatewayInbox,
  heartbeat,
  type Link,
  listRooms,
  type Presence,
  recordCount,
  type RoomListing,
  type Seen,
  type StoreContext,
  takeReapedMark,
} from '@chatfleet/store';
import { AddressBudget } from '../limits/address-budget.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import { dmShown } from '../session/session-identity.js';
import type { Hub, SessionLimits, Transport } from '../session/hub.js';
import { Session } from '../session/session.js';
import { startHousekeeping } from './housekeeping.js';
import { handleControl } from './control.js';
import { runInbox } from './inbox-reader.js';
import { renewLeases } from './leases.js';
import { restoreAll } from './restore-all.js';
import { Subscriptions } from './subscriptions.js';
import { dispatchLive } from '../delivery/dispatch.js';
import { TopicFanout, type Broadcast } from '../delivery/topic-fanout.js';
import type { GatewayParts } from './gateway-parts.js';
import { BanList } from '../moderation/ban-list.js';
import { DmPositions } from './dm-positions.js';
import { checkDmPositions, tellDmLosses } from './dm-loss.js';

// Tracked DM conversations per gateway (a few hundred bytes each), the newest kept.
const DMS_TRACKED = 10_000;

export interface GatewayCoreOptions {
  /** The store's operations (nicks, matches, blocks…); the core never holds its connection. */
  store: StoreContext;
  /** The commands connection, watched for /healthz. */
  commands: Link;
  /** Conversations: publish, subscribe, catch up. */
  broker: ConversationBroker;
  /** Who is in which room. */
  presence: Presence;
  /** Opens this gateway's inbox (the events for its sessions, read in order) by its id. */
  openInbox(gw: string): GatewayInbox;
  log: Logger;
  metrics: GatewayMetrics;
  limits: SessionLimits;
  heartbeatMs: number;
  /** How often every conversation's position is compared with what was dispatched. */
  positionCheckMs: number;
  /** How long a connection to Redis may be down before /healthz says 503. */
  healthGraceMs: number;
  /** Random by default; set it only in tests. */
  gatewayId?: string;
  /** The transport's native fan-out, if it has one: steady room members then share a publish. */
  broadcast?: Broadcast;
}

export interface CoreHealth {
  ok: boolean;
  detail: Record<string, unknown>;
}

/**
 * Everything a gateway process shares between its sessions, whatever the transport: the
 * subscriptions to the conversations its users are in, its inbox, heartbeat, cleanup after
 * dead gateways, and draining on shutdown.
 */
export class GatewayCore implements Hub, GatewayParts {
  readonly gw: string;
  readonly store: StoreContext;
  readonly broker: ConversationBroker;
  readonly presence: Presence;
  readonly log: Logger;
  readonly metrics: GatewayMetrics;
  readonly limits: SessionLimits;
  readonly hashing: Slots;
  readonly textBudget: AddressBudget;
  readonly bans: BanList;
  private readonly rooms: Cached<RoomListing[]>;
  draining = false;
  readonly sessions = new Map<string, Session>();
  private readonly inbox: GatewayInbox;
  readonly subs: Subscriptions;
  /** The DM conversations this gateway's sessions took part in lately, to find lost DMs. */
  readonly dms = new DmPositions({ max: DMS_TRACKED, now: () => Date.now() });
  readonly topics: TopicFanout | undefined;
  private readonly abort = new AbortController();
  private sidCounter = 0;
  private lastVersion = 0;
  private cmdDownSince: number | undefined;
  /** DMs shown by sessions that ended lately: a second route of one of them is dropped. */
  private readonly endedDms = new Map<string, { at: number; seen: SeenIds<string> }>();
  private loops: Promise<unknown> | undefined;
  /** The fleet epoch last seen: a new one means Redis lost its data. */
  private epoch: string | undefined;
  /** When (monotonic ms) a lease renewal last started that then succeeded. */
  private leasesOkAt = performance.now();
  private beating: Promise<void> | undefined;
  /** When (monotonic ms) the last heartbeat that succeeded was sent. */
  private beatOkAt = performance.now();
  /** How long the heartbeats have succeeded without one failing. */
  private readonly beats: Continuity;
  private restoring: Promise<void> | undefined;

  constructor(private readonly o: GatewayCoreOptions) {
    // A burst of guesses waits a moment; past that it is refused rather than queued for long.
    this.hashing = new Slots(o.limits.passwordHashConcurrency, 64);
    this.textBudget = new AddressBudget(o.limits.textBytesPerAddressMin, 60_000);
    // Every browser polls the list: one read per gateway per few seconds, whatever the crowd.
    this.rooms = new Cached(() => listRooms(this.store), o.limits.roomListCacheMs);
    this.gw =
      o.gatewayId ??
      `${hostname()
        .replace(/[^A-Za-z0-9-]/g, '')
        .slice(0, 20)}-${randomBytes(4).toString('hex')}`;
    this.store = o.store;
    this.bans = new BanList(o.store);
    this.broker = o.broker;
    this.presence = o.presence;
    this.inbox = o.openInbox(this.gw);
    this.log = o.log.child({ gw: this.gw });
    this.metrics = o.metrics;
    this.limits = o.limits;
    this.beats = new Continuity(o.limits.gatewayTimeoutMs);
    this.subs = new Subscriptions({
      broker: o.broker,
      log: this.log,
      metrics: o.metrics,
      joinWaitMs: o.limits.joinWaitMs,
      dispatch: (c, env) => dispatchLive(this, c.conv, c.sids, env),
    });
    const { broadcast } = o;
    this.topics = broadcast
      ? new TopicFanout({
          broadcast,
          metrics: o.metrics,
          paceBytes: o.limits.paceBytes,
          dispatchedId: (c) => this.subs.dispatchedId(c),
          now: () => this.store.clock.now(),
        })
      : undefined;
  }

  async start(): Promise<void> {
    const { commands } = this.o;
    let cmdReady = commands.ready();
    if (!cmdReady) this.cmdDownSince = Date.now();
    commands.watch({
      down: () => {
        this.cmdDownSince ??= Date.now();
        this.metrics.redisUp.set(0);
      },
      up: () => {
        this.cmdDownSince = undefined;
        this.metrics.redisUp.set(1);
        // A blip alone loses nothing; the heartbeat's epoch tells whether Redis lost its data.
        if (cmdReady) void this.beat().catch(() => undefined);
        cmdReady = true;
      },
    });
    this.metrics.redisUp.set(cmdReady ? 1 : 0);
    // Before the first connection; a Redis that is away now is read by the poll later.
    await this.refreshBans().catch((err: unknown) =>
      this.log.warn({ err: String(err) }, 'bans not read yet, retrying'),
    );
    await this.subs.start();
    const inbox = runInbox(
      { inbox: this.inbox, log: this.log, handle: (env) => handleControl(this, env) },
      this.abort.signal,
    );
    const housekeeping = startHousekeeping(this, this.o, this.abort.signal);
    this.loops = Promise.all([inbox, housekeeping]);
  }

  /** Unhealthy while draining, or while a Redis connection has been down past the grace. */
  health(): CoreHealth {
    const subDown = this.subs.downForMs();
    const cmdDown = this.cmdDownSince === undefined ? 0 : Date.now() - this.cmdDownSince;
    const grace = this.o.healthGraceMs;
    const problems = [
      ...(this.draining ? ['draining'] : []),
      ...(subDown > grace ? [`subscriber down for ${subDown} ms`] : []),
      ...(cmdDown > grace ? [`redis commands down for ${cmdDown} ms`] : []),
    ];
    return {
      ok: problems.length === 0,
      detail: {
        status: this.draining ? 'draining' : problems.length > 0 ? 'degraded' : 'ok',
        ...(problems.length > 0 ? { problems } : {}),
        redis: this.o.commands.status(),
        subscriber: this.o.broker.status(),
        sessions: this.sessions.size,
      },
    };
  }

  roomList(): Promise<RoomListing[]> {
    return this.rooms.get();
  }

  createSession(transport: Transport): Session {
    const s = new Session(this, transport);
    this.sessions.set(s.sid, s);
    const ban = this.bans.forAddress(transport.address());
    if (ban) {
      this.metrics.moderation.inc({ action: 'ban_refused' });
      // After the transport has finished making the connection it is told on.
      queueMicrotask(() => s.endBanned(ban));
    }
    return s;
  }

  /** Reads the bans if they changed; then ends the connections they cover. */
  async refreshBans(force = false): Promise<void> {
    if (await this.bans.refresh(force)) {
      this.metrics.bansHeld.set(this.bans.size());
      this.enforceBans();
    }
  }

  enforceBans(): void {
    for (const s of this.sessions.values()) {
      if (s.closed) continue;
      const ban = this.bans.forAddress(s.address()) ?? this.bans.forIdent(s.ident);
      if (!ban) continue;
      this.metrics.moderation.inc({ action: 'ban_ended' });
      this.log.info({ sid: s.sid, kind: ban.kind }, 'connection ended by a ban');
      s.endBanned(ban);
    }
  }

  /** The transport is gone: the session cleans up and is forgotten. */
  async endSession(s: Session): Promise<void> {
    await s.close();
    this.sessions.delete(s.sid);
    const now = Date.now();
    const seen = s.dmSeenIfAny();
    if (seen) this.endedDms.set(s.sid, { at: now, seen });
    for (const [sid, e] of this.endedDms) {
      if (now - e.at < 60_000 && this.endedDms.size <= 10_000) break;
      this.endedDms.delete(sid);
    }
  }

  /** Whether the session `sid` (open or ended lately) already showed this DM. */
  dmShown(sid: string, m: StoredMessage): boolean {
    const seen = this.sessions.get(sid)?.dmSeenIfAny() ?? this.endedDms.get(sid)?.seen;
    return seen !== undefined && dmShown(seen, m);
  }

  nextSid(): string {
    return `${this.gw}.${++this.sidCounter}`;
  }

  nextVersion(): number {
    this.lastVersion = Math.max(this.lastVersion + 1, this.store.clock.now() * 1000);
    return this.lastVersion;
  }

  subscribe(conv: string, room: string, sid: string): Promise<void> {
    return this.subs.add(conv, room, sid);
  }

  async checkPositions(): Promise<void> {
    const [rooms, dms] = await Promise.allSettled([
      this.subs.checkPositions(),
      checkDmPositions(this),
    ]);
    for (const r of [rooms, dms]) if (r.status === 'rejected') throw r.reason;
  }

  seen(conv: string): Seen | undefined {
    return this.subs.seen(conv);
  }

  dmSeen(conv: string): Seen | undefined {
    return this.dms.seen(conv);
  }

  dmNoted(m: StoredMessage): void {
    const loss = this.dms.note(m);
    if (loss) void tellDmLosses(this, [loss]);
  }

  unsubscribe(conv: string, sid: string): void {
    this.topics?.leave(conv, sid);
    this.subs.remove(conv, sid);
  }

  async kick(gw: string, sid: string, reason: string): Promise<void> {
    if (gw === this.gw) return this.sessions.get(sid)?.bye(reason);
    const env: ControlEnvelope = { k: 'kick', sid, reason };
    await appendInbox(this.store, gw, env).catch(() => undefined);
  }

  /** Renews this gateway's liveness lease (one at a time) and acts on what it finds. */
  beat(): Promise<void> {
    this.beating ??= this.doBeat().finally(() => {
      this.beating = undefined;
    });
    return this.beating;
  }

  private async doBeat(): Promise<void> {
    const { clock } = this.store;
    const sentAt = clock.host();
    // The send time, not the reply's: a beat sent just before a stall proves nothing after it.
    const sent = performance.now();
    let hb;
    try {
      hb = await heartbeat(this.store, this.gw);
      this.metrics.heartbeats.inc({ outcome: 'ok' });
    } catch (err) {
      this.metrics.heartbeats.inc({ outcome: 'failed' });
      this.beats.failed();
      throw err;
    }
    clock.learn(hb.now, sentAt);
    // A reaper marks a gateway before it frees its users' nicks and places, and deregisters it
    // only at the end: the mark, not the list, says whether we were declared dead.
    if (await takeReapedMark(this.store, this.gw)) return this.declaredDead();
    this.beatOkAt = sent;
    this.beats.ok(sent);
    const lost = this.epoch !== undefined && hb.epoch !== this.epoch;
    this.epoch = hb.epoch;
    if (lost) this.restoreAll('redis lost its data');
  }

  /**
   * Whether this gateway may take another's silence for death: only once its own heartbeats
   * have gone through for a whole GATEWAY_TIMEOUT_MS. After Redis (or the shard of the
   * gateways list) was away that long, every gateway's beat is old; a reaper that ran first
   * would declare live gateways dead and close all their users' sessions.
   */
  judgesSilence(): boolean {
    return this.beats.judgesSilence();
  }

  fence(): Promise<void> | undefined {
    const fresh = () => performance.now() - this.beatOkAt <= this.limits.gatewayTimeoutMs / 2;
    if (fresh()) return undefined;
    return (async () => {
      // A beat in flight since before a stall ends stale: then one more, sent now.
      for (let i = 0; i < 2 && !fresh(); i++) await this.beat().catch(() => undefined);
    })();
  }

  /** Renews the leases on what the sessions hold; past LEASE_MS without, restores instead. */
  async renew(): Promise<void> {
    const started = performance.now();
    if (started - this.leasesOkAt > this.store.limits.leaseMs * 0.9) {
      // They may have expired: unless the fleet reaped us meanwhile, claim them again.
      await this.beat();
      if (this.sessions.size > 0) this.restoreAll('leases may have lapsed');
      this.leasesOkAt = started;
      return;
    }
    await renewLeases(this);
    this.leasesOkAt = started;
  }

  private restoreAll(why: string): void {
    if (this.restoring || this.abort.signal.aborted) return;
    this.log.info({ sessions: this.sessions.size, why }, 'restoring sessions');
    this.restoring = restoreAll(this, this.abort.signal).finally(() => {
      this.restoring = undefined;
    });
  }

  /**
   * The fleet reaped this gateway while it was alive (stalled past GATEWAY_TIMEOUT_MS): its
   * sessions' nicks, memberships and matches are gone. Rather than keep ghosts, every client is
   * told to reconnect (bye shutdown) and builds its state again through the normal path.
   */
  declaredDead(): void {
    if (this.draining) return;
    this.metrics.declaredDead.inc();
    this.log.warn({ sessions: this.sessions.size }, 'declared dead by the fleet, closing sessions');
    for (const s of [...this.sessions.values()]) s.revoke();
  }

  /** Says bye to every session, waits for them to clean up (bounded), then leaves the fleet. */
  async stop(graceMs: number): Promise<void> {
    if (this.abort.signal.aborted) return;
    this.draining = true;
    const all = [...this.sessions.values()];
    for (const s of all) s.bye('shutdown');
    const done = Promise.all(all.map((s) => this.endSession(s)));
    await Promise.race([done, new Promise((r) => setTimeout(r, graceMs).unref())]);
    this.abort.abort();
    this.inbox.close();
    await this.loops;
    // Leave the fleet only with nothing left to clean: otherwise the lease runs out and a
    // reaper finishes what Redis refused us (or expiry does, if no gateway is left).
    try {
      const left = await recordCount(this.store, this.gw);
      if (left === 0) await deregister(this.store, this.gw, this.limits.gatewayTimeoutMs);
      else this.log.warn({ sessions: left }, 'left sessions to the reaper');
    } catch (err) {
      this.log.warn({ err: String(err) }, 'could not leave the fleet, the reaper will');
    }
  }
}
