import { ProtocolError, type ErrorCode } from '../protocol/errors.js';
import type { ClientFrame, ServerFrame } from '../protocol/frames.js';
import { parseFrame } from '../protocol/parse.js';
import { conv } from '../redis/keys.js';
import { cancelMatch } from '../store/matches.js';
import { cleanupSession, dropSession, saveSession, type SessionRecord } from '../store/gateways.js';
import type { Hub, Transport } from './hub.js';
import { FloodGuard, TokenBucket } from './rate-limiter.js';
import { onHello, onDm, onDmDelivered } from './session-identity.js';
import { onMatch, onMatched, onNext, onPartnerEnd } from './session-match.js';
import {
  onHistory,
  onJoin,
  onLeave,
  onRooms,
  onSay,
  onWho,
  onLive,
  type RoomState,
} from './session-rooms.js';
import type { LiveEnvelope } from './envelopes.js';

export type { RoomState };

/**
 * The transport-free session engine: takes client frames, emits server frames. One per
 * connection; gateways are thin transports around it. Frames are handled one at a time,
 * in order, so replies come back in the order requests were made.
 */
export class Session {
  readonly sid: string;
  nick: string | undefined;
  token = '';
  readonly rooms = new Map<string, RoomState>();
  /** Order of joins, newest last: text mode talks to the last joined room. */
  readonly joinOrder: string[] = [];
  match: { room: string; partner: string } | undefined;
  waiting = false;
  waitingSince: number | undefined;
  lastTags: string[] = [];
  /** Recently seen DM ids, to drop a DM that arrives twice. */
  readonly dmSeen = new Set<string>();
  closed = false;
  private chain: Promise<void> = Promise.resolve();
  private readonly bucket: TokenBucket;
  private readonly flood: FloodGuard;

  constructor(
    readonly hub: Hub,
    private readonly transport: Transport,
  ) {
    this.sid = hub.nextSid();
    this.bucket = new TokenBucket(hub.limits.ratePerSec, hub.limits.rateBurst);
    this.flood = new FloodGuard(hub.limits.floodLimit);
  }

  /** Input from a JSON transport: one frame of text. */
  receiveText(text: string): void {
    if (!this.admit()) return;
    const res = parseFrame(text, { maxTextChars: this.hub.limits.maxTextChars });
    if (res.ok) this.enqueue(res.frame);
    else this.refuse(res.code, res.message, res.ref);
  }

  /** Input already parsed by a transport (text mode commands). */
  receiveFrame(frame: ClientFrame): void {
    if (this.admit()) this.enqueue(frame);
  }

  /** Input the transport rejected itself: oversized or undecodable. */
  receiveInvalid(code: ErrorCode, message: string): void {
    if (this.admit()) this.refuse(code, message);
  }

  private admit(): boolean {
    if (this.closed) return false;
    if (this.bucket.take()) return true;
    const { report, flooding } = this.flood.refuse();
    this.hub.metrics.framesIn.inc({ type: 'invalid' });
    if (flooding) {
      this.hub.metrics.disconnects.inc({ reason: 'flood' });
      this.bye('flood');
    } else if (report) {
      this.refuse(
        'rate_limited',
        `slow down: at most ${this.hub.limits.ratePerSec} frames per second`,
      );
    }
    return false;
  }

  refuse(code: ErrorCode, message: string, ref?: string): void {
    this.emit({ type: 'error', code, message, ...(ref !== undefined ? { ref } : {}) });
  }

  emit(frame: ServerFrame, json?: string): void {
    if (this.closed) return;
    this.hub.metrics.framesOut.inc({ type: frame.type });
    if (frame.type === 'error') this.hub.metrics.errors.inc({ code: frame.code });
    this.transport.send(frame, json);
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
    void this.run(async () => {
      if (this.closed) return;
      try {
        await this.handle(frame);
      } catch (err) {
        if (!(err instanceof ProtocolError)) throw err;
        this.refuse(err.code, err.message, frame.ref);
      }
    });
  }

  private async handle(f: ClientFrame): Promise<void> {
    if (f.type === 'ping') return this.emit({ type: 'pong', ...(f.ref ? { ref: f.ref } : {}) });
    if (f.type === 'quit') return this.bye('quit');
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
    }
  }

  /** A message or presence event on a conversation this session listens to. */
  live(env: LiveEnvelope): void {
    if (this.closed) return;
    if (env.k === 'end') void this.run(() => onPartnerEnd(this, env.room, env.sid));
    else onLive(this, env);
  }

  matched(room: string, partner: string, tags: string[]): Promise<void> {
    return this.run(() => onMatched(this, room, partner, tags));
  }

  deliverDm(raw: unknown): void {
    if (!this.closed) onDmDelivered(this, raw);
  }

  /** The conversation plain text-mode lines go to: the match, else the last joined room. */
  currentRoom(): string | undefined {
    return this.match?.room ?? this.joinOrder[this.joinOrder.length - 1];
  }

  record(): SessionRecord {
    return {
      nick: this.nick ?? '',
      rooms: [...this.rooms.keys()],
      ...(this.match ? { match: this.match.room } : {}),
    };
  }

  async saveState(): Promise<void> {
    if (this.nick !== undefined && !this.closed)
      await saveSession(this.hub.store, this.hub.gw, this.sid, this.record());
  }

  /** Says goodbye and closes; cleanup follows through `closed()`. */
  bye(reason: string): void {
    if (this.closed) return;
    this.emit({ type: 'bye', reason });
    this.transport.close(reason);
    void this.close();
  }

  /** The connection is gone: leave rooms, end the match, free the nick. Idempotent. */
  close(): Promise<void> {
    if (this.closed) return this.chain;
    this.closed = true;
    return this.run(async () => {
      // Read the state only now: a hello or join still in flight when the socket closed has
      // finished, and what it took must be given back too.
      const rec = this.record();
      const waiting = this.waiting;
      const { store, gw } = this.hub;
      for (const room of this.rooms.keys()) await this.hub.unsubscribe(conv.room(room), this.sid);
      if (this.nick === undefined) return;
      try {
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
