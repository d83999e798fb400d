import type { Buffer } from 'node:buffer';
import type { WebSocket } from 'uWebSockets.js';
import type { Gauge } from 'prom-client';
import type { GatewayCore, Session, Transport, Wire } from '@chatfleet/gateway-core';
import type { ServerFrame } from '@chatfleet/protocol';
import type { PublishClock } from './publish-clock.js';

export interface SocketData {
  ip: string;
  transport?: WsTransport;
}

/** Close codes that say why (docs/protocol.md). */
export const CLOSE_CODES: Record<string, number> = {
  quit: 1000,
  shutdown: 1001,
  idle: 1001,
  flood: 1008,
  slow: 1008,
  replaced: 4001,
  kicked: 4002,
  banned: 4003,
};

/** One WebSocket client: frames out with backpressure; the protocol is the session's business. */
export class WsTransport implements Transport {
  session!: Session;
  private closed = false;
  /** Counted in backpressured while uWS holds unsent bytes for this socket. */
  private pressed = false;
  /** Made on first wait: most sockets never wait for a drain. */
  private drainWaiters: (() => void)[] | undefined;
  /** The clock at this socket's last send: what was published before it is written. */
  private sentAt = -1;

  constructor(
    private readonly ws: WebSocket<SocketData>,
    private readonly core: GatewayCore,
    private readonly maxBacklogBytes: number,
    private readonly backpressured: Gauge,
    /** This gateway's publishes, and which of them uWS may not have written yet. */
    private readonly clock: PublishClock,
  ) {}

  send(frame: ServerFrame, wire?: Wire): void {
    if (this.closed) return;
    const data = wire ? wire.bytes : JSON.stringify(frame);
    // cork: sends from Redis callbacks are batched into one syscall.
    this.ws.cork(() => this.ws.send(data, false));
    this.sentAt = this.clock.now();
    if (this.backlog() > this.maxBacklogBytes) {
      this.session.noteClose('slow');
      this.core.log.info(
        { sid: this.session.sid, backlog: this.ws.getBufferedAmount() },
        'slow reader disconnected',
      );
      this.close('slow');
    }
  }

  address(): string {
    return this.closed ? '' : this.ws.getUserData().ip;
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.wake();
    this.ws.end(CLOSE_CODES[reason] ?? 1000, reason);
  }

  backlog(): number {
    if (this.closed) return 0;
    const buffered = this.ws.getBufferedAmount();
    if (buffered > 0 && !this.pressed) {
      this.pressed = true;
      this.backpressured.inc();
    }
    return buffered;
  }

  subscribe(topic: string): void {
    if (!this.closed) this.ws.subscribe(topic);
  }

  unsubscribe(topic: string): void {
    if (this.closed) return;
    // uWS forgets what it has not written to a socket that leaves; any frame flushes it first,
    // and a ping is the smallest. Not one per leave: a client closing right after `left`
    // would get a ping it can no longer answer.
    if (this.clock.unwrittenSince(this.sentAt)) this.ws.ping();
    this.ws.unsubscribe(topic);
  }

  publishOthers(topic: string, bytes: Buffer): void {
    if (this.closed) return;
    this.clock.published();
    this.ws.publish(topic, bytes, false);
  }

  drained(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => (this.drainWaiters ??= []).push(resolve));
  }

  /** uWS's drain event: the socket sent some of what it held. */
  onDrain(): void {
    this.wake();
    if (this.pressed && !this.closed && this.ws.getBufferedAmount() === 0) {
      this.pressed = false;
      this.backpressured.dec();
    }
  }

  /** uWS says the socket is gone: it must not be touched again. */
  gone(): void {
    this.closed = true;
    this.wake();
    if (this.pressed) this.backpressured.dec();
    this.pressed = false;
  }

  private wake(): void {
    const w = this.drainWaiters;
    this.drainWaiters = undefined;
    for (const f of w ?? []) f();
  }
}
