import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import { UnavailableError } from '../protocol/errors.js';
import { toMessageFrame } from '../protocol/frames.js';
import type { StoreContext } from '../store/context.js';
import { deregister, heartbeat } from '../store/gateways.js';
import { endMatch } from '../store/matches.js';
import { routeDm } from '../store/nicks.js';
import { parseEnvelope, type ControlEnvelope, type LiveEnvelope } from '../session/envelopes.js';
import type { Hub, SessionLimits, Transport } from '../session/hub.js';
import { Session } from '../session/session.js';
import { resyncRooms } from '../session/session-rooms.js';
import { restoreSession } from '../session/session-restore.js';
import { startHousekeeping } from './housekeeping.js';

export interface GatewayCoreOptions {
  store: StoreContext;
  sub: Redis;
  log: Logger;
  metrics: GatewayMetrics;
  limits: SessionLimits;
  heartbeatMs: number;
  /** Random by default; set it only in tests. */
  gatewayId?: string;
}

/**
 * Everything a gateway process shares between its sessions, whatever the transport: the
 * subscriptions to the conversations its users are in, its control channel, heartbeat,
 * cleanup after dead gateways, and draining on shutdown.
 */
export class GatewayCore implements Hub {
  readonly gw: string;
  readonly store: StoreContext;
  readonly log: Logger;
  readonly metrics: GatewayMetrics;
  readonly limits: SessionLimits;
  draining = false;
  readonly sessions = new Map<string, Session>();
  private readonly listeners = new Map<string, Set<string>>();
  private readonly channelConv = new Map<string, string>();
  private readonly sub: Redis;
  private readonly abort = new AbortController();
  private sidCounter = 0;
  private lastVersion = 0;
  private housekeeping: Promise<void> | undefined;

  constructor(private readonly o: GatewayCoreOptions) {
    this.gw =
      o.gatewayId ??
      `${hostname()
        .replace(/[^A-Za-z0-9-]/g, '')
        .slice(0, 20)}-${randomBytes(4).toString('hex')}`;
    this.store = o.store;
    this.log = o.log.child({ gw: this.gw });
    this.metrics = o.metrics;
    this.limits = o.limits;
    this.sub = o.sub;
  }

  get controlChannel(): string {
    return this.store.keys.control(this.gw);
  }

  async start(): Promise<void> {
    let cmdReady = this.store.redis.status === 'ready';
    this.store.redis.on('ready', () => {
      if (cmdReady) this.restoreAll();
      cmdReady = true;
    });
    this.sub.on('message', (channel: string, payload: string) => this.onMessage(channel, payload));
    let subReady = this.sub.status === 'ready';
    this.sub.on('ready', () => {
      if (subReady) this.resyncAll();
      subReady = true;
    });
    await this.sub.subscribe(this.controlChannel);
    this.housekeeping = startHousekeeping(this, this.o.heartbeatMs, this.abort.signal);
  }

  createSession(transport: Transport): Session {
    const s = new Session(this, transport);
    this.sessions.set(s.sid, s);
    return s;
  }

  /** The transport is gone: the session cleans up and is forgotten. */
  async endSession(s: Session): Promise<void> {
    await s.close();
    this.sessions.delete(s.sid);
  }

  nextSid(): string {
    return `${this.gw}.${++this.sidCounter}`;
  }

  nextVersion(): number {
    this.lastVersion = Math.max(this.lastVersion + 1, Date.now() * 1000);
    return this.lastVersion;
  }

  async subscribe(conv: string, sid: string): Promise<void> {
    let set = this.listeners.get(conv);
    if (set) {
      set.add(sid);
      return;
    }
    if (this.sub.status !== 'ready') throw new UnavailableError();
    set = new Set([sid]);
    this.listeners.set(conv, set);
    const channel = this.store.keys.live(conv);
    this.channelConv.set(channel, conv);
    this.metrics.subscriptions.set(this.listeners.size);
    await this.sub.subscribe(channel);
  }

  async unsubscribe(conv: string, sid: string): Promise<void> {
    const set = this.listeners.get(conv);
    if (!set?.delete(sid) || set.size > 0) return;
    this.listeners.delete(conv);
    const channel = this.store.keys.live(conv);
    this.channelConv.delete(channel);
    this.metrics.subscriptions.set(this.listeners.size);
    await this.sub.unsubscribe(channel).catch(() => undefined);
  }

  async kick(gw: string, sid: string, reason: string): Promise<void> {
    if (gw === this.gw) return this.sessions.get(sid)?.bye(reason);
    const env: ControlEnvelope = { k: 'kick', sid, reason };
    await this.store.redis
      .publish(this.store.keys.control(gw), JSON.stringify(env))
      .catch(() => undefined);
  }

  private onMessage(channel: string, payload: string): void {
    if (channel === this.controlChannel) return this.onControl(payload);
    const conv = this.channelConv.get(channel);
    const sids = conv !== undefined ? this.listeners.get(conv) : undefined;
    if (!sids) return;
    const env = parseEnvelope<LiveEnvelope>(payload);
    if (!env) return this.log.warn({ channel }, 'bad live envelope');
    if (env.k === 'm') {
      env.frame = toMessageFrame(env.m);
      env.json = JSON.stringify(env.frame);
    }
    for (const sid of sids) this.sessions.get(sid)?.live(env);
  }

  private onControl(payload: string): void {
    const env = parseEnvelope<ControlEnvelope>(payload);
    if (!env) return this.log.warn({}, 'bad control envelope');
    const s = this.sessions.get(env.sid);
    if (env.k === 'matched') {
      // A match for a session that is gone: end it so the partner is not left waiting.
      if (!s) void endMatch(this.store, env.room, env.sid).catch(() => undefined);
      else void s.matched(env.room, env.partner, env.tags);
    } else if (env.k === 'dm') {
      if (s) s.deliverDm(env.m);
      // Its session closed between routing and delivery: route it again, past that session.
      else
        void routeDm(this.store, env.m, 'again', this.limits.gatewayTimeoutMs, env.sid).catch(
          () => undefined,
        );
    } else if (env.k === 'kick') {
      s?.bye(env.reason);
    }
  }

  private restoreAll(): void {
    this.log.info({ sessions: this.sessions.size }, 'redis back, restoring sessions');
    // The heartbeat first: the matchmaker drops tickets of gateways it does not see alive.
    void heartbeat(this.store, this.gw)
      .catch(() => undefined)
      .then(() => {
        for (const s of this.sessions.values()) void s.run(() => restoreSession(s));
      });
  }

  private resyncAll(): void {
    this.log.info({ sessions: this.sessions.size }, 'subscriber back, resyncing rooms');
    for (const s of this.sessions.values()) void s.run(() => resyncRooms(s));
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
    await this.housekeeping;
    await deregister(this.store, this.gw).catch(() => undefined);
  }
}
