import { reconnectDelay, type ServerFrame } from '@chatfleet/protocol';

export type Status = 'connecting' | 'online' | 'offline';

export interface ConnectionEvents {
  frame(f: ServerFrame): void;
  open(): void;
  status(s: Status, retryInMs?: number): void;
}

/** A WebSocket that reconnects by itself, backing off from 0.5 s to 10 s with jitter. */
export class Connection {
  private ws: WebSocket | undefined;
  private attempt = 0;
  private stopped = false;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly url: string,
    private readonly on: ConnectionEvents,
  ) {}

  connect(): void {
    this.stopped = false;
    clearTimeout(this.timer);
    this.on.status('connecting');
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.on.status('online');
      this.on.open();
    };
    ws.onmessage = (ev) => {
      try {
        this.on.frame(JSON.parse(String(ev.data)) as ServerFrame);
      } catch {
        // Not a frame: nothing to show.
      }
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = undefined;
      if (this.stopped) return this.on.status('offline');
      const delay = reconnectDelay(this.attempt++);
      this.on.status('offline', delay);
      this.timer = setTimeout(() => this.connect(), delay);
    };
  }

  send(frame: Record<string, unknown>): boolean {
    if (this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  /** Stops for good (the nick was taken over elsewhere). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.ws?.close(1000);
  }
}
