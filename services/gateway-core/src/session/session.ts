import {
  type ClientFrame,
  type ErrorCode,
  InternalError,
  parseFrame,
  peekRef,
  ProtocolError,
  SeenIds,
  type ServerFrame,
  type StoredMessage,
} from '@chatfleet/protocol';
import {
  type Ban,
  cancelMatch,
  cleanupSession,
  conv,
  dropSession,
  type EncodedFrame,
  type LiveEnvelope,
  releaseNick,
  saveSession,
  type SessionRecord,
} from '@chatfleet/store';
import { disconnectReason } from '../metrics/gateway-metrics.js';
import type { Hub, Transport } from './hub.js';
import { FloodGuard, TokenBucket } from '../limits/rate-limiter.js';
import { onHello, onDm, onDmDelivered } from './session-identity.js';
import { onMatch, onMatched, onNext, onPartnerEnd } from './session-match.js';
import { onHistory, onJoin, onLeave, onRooms, onSay, onWho } from './session-rooms.js';
import { onLive } from '../delivery/room-delivery.js';
import type { RoomState } from '../delivery/room-state.js';
import { onBlock, onReport, onUnblock } from './session-safety.js';
import { onTyping, TYPING_EVERY_MS } from './session-typing.js';
import { banMessage } from '../moderation/ban-list.js';
import type { SessionState, Stranger } from './session-state.js';

export type { RoomState, Stranger };

/** Shared by every session that has not joined a room yet. */
const NONE: readonly string[] = Object.freeze([]);

/** Strangers a session remembers for `block {room}` and `report {room}`. */
const STRANGERS_KEPT = 20;

/** Input that never became a request, with the reason it is refused. */
export interface BadInput {
  code: ErrorCode;
  message: string;
}

/** Requests that speak to others: carried out even when the connection closed right after. */
const SPOKEN: ReadonlySet<string> = new Set(['say', 'dm']);

/**
 * The transport-free session engine: takes client frames, emits server frames. One per
 * connection; gateways are thin transports around it. Frames are handled one at a time,
 * in order, so replies come back in the order requests were made.
 */
export class Session implements SessionState {
  readonly sid: string;
  nick: string | undefined;
  token = '';
  /** The identity behind the nick (see claimNick): DMs, the mailbox and blocks are its own. */
  ident = '';
  readonly rooms = new Map<string, RoomState>();
  private revoked = false;
  /**
   * Order of joins, newest last: text mode talks to the last joined room. Replaced, not
   * pushed to: a push makes room for 17 (≈ 150 bytes an idle session does not need).
   */
  joinOrder: readonly string[] = NONE;
  match: Stranger | undefined;
  /** The stranger this session talked to last: `/block` and `/report` without a nick mean them. */
  lastStranger: Stranger | undefined;
  reportsFiled = 0;
  waiting = false;
  waitingSince: number | undefined;
  /** When this session last left a stranger for another (`next`, or `match` while matched). */
  movedOnAt?: number;
  lastTags: string[] = [];
  /**
   * Live DMs that arrived while this session's mailbox was being taken: shown after it, so a
   * DM sent after one kept for you never comes first.
   */
  heldDms: StoredMessage[] | undefined;
  // These are empty for almost every session: made on first use, they cost an idle connection
  // nothing (five empty hash tables were ~0.9 KB of heap per connection).
  private dmIds: SeenIds<string> | undefined;
  private past: Set<string> | undefined;
  private claims: Set<string> | undefined;
  private stray: Set<string> | undefined;
  private refs: Map<string, number> | undefined;
  private met: Map<string, Stranger> | undefined;
  /** Recently seen DMs (the newest 1,000), to drop a DM that arrives twice. */
  get dmSeen(): SeenIds<string> {
    return (this.dmIds ??= new SeenIds(1000));
  }
  /** The DMs seen, without making the set for a session that never had one. */
  dmSeenIfAny(): SeenIds<string> | undefined {
    return this.dmIds;
  }
  /**
   * The identities this session's identity blocked, read at hello (undefined until then, or
   * when Redis could not answer): typing is never shown across a block.
   */
  blocks: Set<string> | undefined;
  /** When this session was last relayed as typing, by conversation (made on first use). */
  private typed: Map<string, number> | undefined;
  /** Whether a typing event for this conversation may go out now (one per TYPING_EVERY_MS). */
  typingDue(key: string): boolean {
    const now = Date.now();
    const typed = (this.typed ??= new Map());
    if (now - (typed.get(key) ?? -Infinity) < TYPING_EVERY_MS) return false;
    typed.set(key, now);
    // A session types in a few places; past 64 the oldest are forgotten.
    if (typed.size > 64) typed.delete(typed.keys().next().value ?? '');
    return true;
  }
  /** The strangers of this session's last few matches, by room: `block {room}` finds them. */
  strangerIn(room: string): Stranger | undefined {
    return this.match?.room === room ? this.match : this.met?.get(room);
  }
  /** Remembers a stranger this session met (the newest STRANGERS_KEPT). */
  meet(st: Stranger): void {
    const met = (this.met ??= new Map());
    met.delete(st.room);
    met.set(st.room, st);
    if (met.size > STRANGERS_KEPT) met.delete(met.keys().next().value ?? '');
  }
  /** Match rooms this session has been through, so a late or repeated `matched` is ignored. */
  get pastMatches(): Set<string> {
    return (this.past ??= new Set());
  }
  /** Nicks claimed in Redis that are not (yet) this session's nick: freed on close. */
  get claimed(): Set<string> {
    return (this.claims ??= new Set());
  }
  /** A claim settled (the nick is ours as the session's nick, or someone else's). */
  settleClaim(nick: string): void {
    this.claims?.delete(nick);
    if (this.claims?.size === 0) this.claims = undefined;
  }
  /** Rooms whose join failed after Redis may have added the member: cleaned up with the rest. */
  get strayRooms(): Set<string> {
    return (this.stray ??= new Set());
  }
  isStray(room: string): boolean {
    return this.stray?.has(room) ?? false;
  }
  /** The room's join settled one way or the other: it is no longer stray. */
  settleStray(room: string): void {
    this.stray?.delete(room);
    if (this.stray?.size === 0) this.stray = undefined;
  }
  closed = false;
  private closeReason: string | undefined;
  /** Refs of `say` frames still owed their one reply (a ref may be reused, hence counts). */
  private get openRefs(): Map<string, number> {
    return (this.refs ??= new Map());
  }
  private chain: Promise<void> = Promise.resolve();
  private readonly bucket: TokenBucket;
  /** Made on the first refused frame: most clients never hit the rate limit. */
  private flood: FloodGuard | undefined;

  constructor(
    readonly hub: Hub,
    /** Public for the gateway's native fan-out; the session alone sends frames on it. */
    readonly transport: Transport,
  ) {
    this.sid = hub.nextSid();
    this.bucket = new TokenBucket(hub.limits.ratePerSec, hub.limits.rateBurst);
  }

  /** Input from a JSON transport: one frame of text. */
  receiveText(text: string): void {
    if (!this.admit(text)) return;
    const res = parseFrame(text, { maxTextChars: this.hub.limits.maxTextChars });
    if (res.ok) this.enqueue(res.frame);
    else this.invalid(res.code, res.message, res.ref);
  }

  /** Input already parsed by a transport (text mode commands). */
  receiveFrame(frame: ClientFrame): void {
    if (this.admit()) this.enqueue(frame);
  }

  /**
   * Input whose meaning depends on the session when its turn comes (a text-mode line goes to
   * the room joined just before it, even when both came in one write): admitted now, made into
   * a frame (or refused) in order with the rest. `undefined`: nothing to do.
   */
  receiveLater(make: () => ClientFrame | BadInput | undefined): void {
    if (!this.admit()) return;
    void this.run(async () => {
      const f = make();
      if (f === undefined) return;
      if ('code' in f) return this.invalid(f.code, f.message);
      this.hub.metrics.framesIn.inc({ type: f.type });
      await this.process(f);
    });
  }

  /** Input the transport rejected itself: oversized or undecodable. */
  receiveInvalid(code: ErrorCode, message: string): void {
    if (this.admit()) this.invalid(code, message);
  }

  /** A frame that never became a request: counted as such, and answered. */
  private invalid(code: ErrorCode, message: string, ref?: string): void {
    this.hub.metrics.framesIn.inc({ type: 'invalid' });
    this.refuse(code, message, ref);
  }

  private admit(text?: string): boolean {
    if (this.closed) return false;
    if (this.bucket.take()) return true;
    const { report, flooding } = (this.flood ??= new FloodGuard(
      this.hub.limits.floodLimit,
    )).refuse();
    this.hub.metrics.framesIn.inc({ type: 'rate_limited' });
    // A refused frame with a ref still gets its one reply; others are reported once a second.
    const ref = text !== undefined ? peekRef(text) : undefined;
    if (flooding) {
      this.bye('flood');
    } else if (report || ref !== undefined) {
      this.refuse(
        'rate_limited',
        `slow down: at most ${this.hub.limits.ratePerSec} frames per second`,
        ref,
      );
    }
    return false;
  }

  refuse(code: ErrorCode, message: string, ref?: string): void {
    this.emit({ type: 'error', code, message, ...(ref !== undefined ? { ref } : {}) });
  }

  emit(frame: ServerFrame, wire?: EncodedFrame): void {
    if (this.closed) return;
    this.hub.metrics.framesOutOf[frame.type].inc();
    if (frame.type === 'error') this.hub.metrics.errors.inc({ code: frame.code });
    this.transport.send(frame, wire);
  }

  /** Runs work after everything queued before it, in order. */
  run(task: () => Promise<void>): Promise<void> {
    this.chain = this.chain.then(task).catch((err: unknown) => {
      this.hub.log.error({ sid: this.sid, err }, 'session task failed');
    });
    return this.chain;
  }

  private enqueue(frame: ClientFrame): void {
    this.hub.metrics.framesIn.inc({ type: frame.type });
    void this.run(() => this.process(frame));
  }

  /** One request, at its turn in the session's queue. */
  private async process(frame: ClientFrame): Promise<void> {
    const fenced = this.hub.fence();
    if (fenced) await fenced;
    // Reaped while this gateway stalled: the nick and places are no longer this session's.
    if (this.revoked) return;
    // What the client said before it hung up still goes out (`echo hi | nc`): the frames
    // were read before the close, and the cleanup queued behind them runs after.
    if (this.closed && !SPOKEN.has(frame.type)) return;
    try {
      await this.handle(frame);
    } catch (err) {
      // Every request gets its one reply: `internal` for what the client cannot fix.
      const e = err instanceof ProtocolError ? err : new InternalError(err);
      if (e.code === 'internal' || e.code === 'unavailable' || e.code === 'unconfirmed')
        this.hub.log.warn(
          { sid: this.sid, type: frame.type, code: e.code, cause: String(e.cause ?? err) },
          'request failed',
        );
      this.refuse(e.code, e.message, frame.ref);
    }
  }

  /** A `say` with this ref is waiting for its acknowledgement. */
  openRef(ref: string): void {
    this.openRefs.set(ref, (this.openRefs.get(ref) ?? 0) + 1);
  }

  /** Takes one open ref; false if it was answered already (by an error, say). */
  closeRef(ref: string): boolean {
    const n = this.openRefs.get(ref);
    if (n === undefined) return false;
    if (n <= 1) this.openRefs.delete(ref);
    else this.openRefs.set(ref, n - 1);
    return true;
  }

  hasOpenRef(ref: string): boolean {
    return this.openRefs.has(ref);
  }

  backlog(): number {
    return this.transport.backlog();
  }

  /** The client's address (for limits kept per address). */
  address(): string {
    return this.transport.address();
  }

  /**
   * Waits for the client to take some of its backlog. False (and the client is disconnected
   * as slow) if it reads nothing for `slowReaderMs`, or if the session closed.
   */
  async readerKeepsUp(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((r) => {
      timer = setTimeout(() => r('late'), this.hub.limits.slowReaderMs);
    });
    const res = await Promise.race([this.transport.drained(), late]);
    clearTimeout(timer);
    if (res === 'late') this.dropSlow('paced output not read');
    return !this.closed;
  }

  /** Disconnects a client that does not keep up with what is sent to it. */
  dropSlow(why: string): void {
    if (this.closed) return;
    this.noteClose('slow');
    this.hub.log.info({ sid: this.sid, why }, 'slow reader disconnected');
    this.transport.close('slow');
    void this.close();
  }

  private async handle(f: ClientFrame): Promise<void> {
    if (f.type === 'ping') return this.emit({ type: 'pong', ...(f.ref ? { ref: f.ref } : {}) });
    if (f.type === 'quit') return this.bye('quit', f.ref);
    if (f.type === 'hello') return onHello(this, f);
    if (this.nick === undefined) throw new ProtocolError('forbidden', 'say hello first');
    switch (f.type) {
      case 'join':
        return onJoin(this, f);
      case 'leave':
        return onLeave(this, f);
      case 'say':
        return onSay(this, f);
      case 'dm':
        return onDm(this, f);
      case 'match':
        return onMatch(this, f);
      case 'next':
        return onNext(this, f);
      case 'rooms':
        return onRooms(this, f);
      case 'who':
        return onWho(this, f);
      case 'history':
        return onHistory(this, f);
      case 'block':
        return onBlock(this, f);
      case 'unblock':
        return onUnblock(this, f);
      case 'report':
        return onReport(this, f);
      case 'typing':
        return onTyping(this, f);
    }
  }

  /** A message or presence event on a conversation this session listens to. */
  live(env: LiveEnvelope): void {
    if (!this.closed) onLive(this, env);
  }

  /** The match room said the match is over (in order, after the partner's last words). */
  partnerEnded(room: string, bySid: string, why?: 'gone'): void {
    void this.run(() => onPartnerEnd(this, room, bySid, why));
  }

  matched(room: string, partner: string, tags: string[], partnerIdent?: string): Promise<void> {
    return this.run(() => onMatched(this, room, partner, tags, partnerIdent));
  }

  /**
   * The stranger entered the match room under a nick this session does not know them by: they
   * renamed (in the match, or while waiting for it). Told in order with their messages.
   */
  strangerRenamed(room: string, nick: string): void {
    const st = this.match?.room === room ? this.match : undefined;
    if (!st || st.partner === nick) return;
    const old = st.partner;
    st.partner = nick;
    this.emit({ type: 'renamed', room, old, nick });
  }

  /** A DM routed to this session; false if the session can no longer show it. */
  deliverDm(raw: unknown): boolean {
    if (this.closed) return false;
    onDmDelivered(this, raw);
    return true;
  }

  /** The conversation plain text-mode lines go to: the match, else the last joined room. */
  currentRoom(): string | undefined {
    return this.match?.room ?? this.joinOrder[this.joinOrder.length - 1];
  }

  record(): SessionRecord {
    return {
      nick: this.nick ?? '',
      rooms: [...new Set([...this.rooms.keys(), ...(this.stray ?? [])])],
      ...(this.match ? { match: this.match.room } : {}),
    };
  }

  async saveState(): Promise<void> {
    if (this.nick !== undefined && !this.closed)
      await saveSession(this.hub.store, this.hub.gw, this.sid, this.record());
  }

  /** The fleet reaped this session's gateway: nothing it still has queued may act. */
  revoke(): void {
    this.revoked = true;
    this.bye('shutdown');
  }

  bye(reason: string, ref?: string, message?: string): void {
    if (this.closed) return;
    this.noteClose(reason);
    this.emit({
      type: 'bye',
      reason,
      ...(message !== undefined ? { message } : {}),
      ...(ref !== undefined ? { ref } : {}),
    });
    this.transport.close(reason);
    void this.close();
  }

  /** A ban covers this connection: the person is told why and until when, then it ends. */
  endBanned(ban: Ban, ref?: string): void {
    if (this.closed) return;
    const message = banMessage(ban);
    this.refuse('banned', message, ref);
    this.bye('banned', undefined, message);
  }

  /** Counts why the connection ends, once: the first reason given wins. */
  noteClose(reason: string): void {
    if (this.closeReason !== undefined) return;
    this.closeReason = reason;
    this.hub.metrics.disconnects.inc({ reason: disconnectReason(reason) });
  }

  /** The connection is gone: leave rooms, end the match, free the nick. Idempotent. */
  close(): Promise<void> {
    if (this.closed) return this.chain;
    this.closed = true;
    // Nobody gave a reason: the client hung up (or its network did).
    this.noteClose('client');
    return this.run(async () => {
      // Read the state only now: a hello or join still in flight when the socket closed has
      // finished, and what it took must be given back too.
      const rec = this.record();
      const waiting = this.waiting;
      const { store, gw } = this.hub;
      for (const room of this.rooms.keys()) this.hub.unsubscribe(conv.room(room), this.sid);
      try {
        // A claim whose reply never came (a timeout) still holds the nick in Redis.
        for (const nick of this.claimed)
          if (nick !== rec.nick) await releaseNick(store, nick, this.sid, false);
        if (this.nick === undefined) return;
        if (waiting) await cancelMatch(store, this.sid, this.hub.nextVersion());
        await cleanupSession(store, this.sid, rec);
        await dropSession(store, gw, this.sid);
      } catch (err) {
        // The record stays in Redis; the gateway's reconcile loop retries it.
        this.hub.log.warn({ sid: this.sid, err: String(err) }, 'session cleanup deferred');
      }
    });
  }
}
