import { createConnection, type Socket } from 'node:net';
import type { Redis } from 'ioredis';
import type { Keys } from '@chatfleet/store';
import { waitUntil } from './ports.js';

type Pred<T> = (x: T) => boolean;

/** Collects items and lets a test wait for the first unclaimed one that matches. */
export class Inbox<T> {
  readonly items: T[] = [];
  private readonly taken = new Set<number>();
  private waiters: (() => void)[] = [];

  push(x: T): void {
    this.items.push(x);
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  async take(pred: Pred<T>, timeoutMs: number, what: string): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const i = this.items.findIndex((x, idx) => !this.taken.has(idx) && pred(x));
      if (i >= 0) {
        this.taken.add(i);
        return this.items[i] as T;
      }
      const left = end - Date.now();
      if (left <= 0)
        throw new Error(
          `timed out waiting for ${what}; got:\n${this.items.map((x) => JSON.stringify(x)).join('\n')}`,
        );
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }
}

export type Frame = { type: string } & Record<string, unknown>;

/** Frames from any transport: wait for one by type, or for the reply to a request. */
export class FrameInbox extends Inbox<Frame> {
  next(type: string, pred: Pred<Frame> = () => true, timeoutMs = 5000): Promise<Frame> {
    return this.take((f) => f.type === type && pred(f), timeoutMs, `a ${type} frame`);
  }

  /** Sends a frame with a ref and waits for the reply carrying it. */
  request(
    send: (f: Record<string, unknown>) => void,
    frame: Record<string, unknown>,
    timeoutMs = 5000,
  ): Promise<Frame> {
    const ref = `r${Math.random().toString(36).slice(2, 10)}`;
    send({ ...frame, ref });
    return this.take((f) => f['ref'] === ref, timeoutMs, `a reply to ${JSON.stringify(frame)}`);
  }
}

/** Says hello on a fresh protocol client and waits for the welcome. */
export async function helloOn<
  C extends { send(f: Record<string, unknown>): void; frames: FrameInbox },
>(c: C, nick?: string, token?: string): Promise<{ c: C; welcome: Frame }> {
  c.send({ type: 'hello', ...(nick ? { nick } : {}), ...(token ? { token } : {}) });
  return { c, welcome: await c.frames.next('welcome') };
}

/** A raw TCP client that reads lines, like a person at nc. */
export class LineClient {
  readonly lines = new Inbox<string>();
  readonly closed: Promise<void>;
  protected buf = '';
  isClosed = false;

  protected constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.buf += d.toString('utf8');
      let nl: number;
      while ((nl = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, nl).replace(/\r$/, '');
        this.buf = this.buf.slice(nl + 1);
        this.onLine(line);
      }
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((r) =>
      socket.once('close', () => {
        this.isClosed = true;
        r();
      }),
    );
  }

  static async connect(port: number, localAddress?: string): Promise<LineClient> {
    return new LineClient(await open(port, localAddress));
  }

  protected onLine(line: string): void {
    this.lines.push(line);
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  line(text: string): void {
    this.socket.write(`${text}\n`);
  }

  waitLine(match: RegExp | string, timeoutMs = 5000): Promise<string> {
    const pred =
      typeof match === 'string' ? (l: string) => l.includes(match) : (l: string) => match.test(l);
    return this.lines.take(pred, timeoutMs, `a line matching ${String(match)}`);
  }

  close(): void {
    this.socket.destroy();
  }
}

/** An NDJSON protocol client. */
export class JsonClient extends LineClient {
  readonly frames = new FrameInbox();

  static override async connect(port: number, localAddress?: string): Promise<JsonClient> {
    return new JsonClient(await open(port, localAddress));
  }

  /** Connects and says hello; resolves with the welcome frame. */
  static async hello(
    port: number,
    nick?: string,
    token?: string,
  ): Promise<{ c: JsonClient; welcome: Frame }> {
    return helloOn(await JsonClient.connect(port), nick, token);
  }

  protected override onLine(line: string): void {
    super.onLine(line);
    try {
      this.frames.push(JSON.parse(line) as Frame);
    } catch {
      this.frames.push({ type: '<not json>', line });
    }
  }

  send(frame: Record<string, unknown>): void {
    this.line(JSON.stringify(frame));
  }

  next(type: string, pred: Pred<Frame> = () => true, timeoutMs = 5000): Promise<Frame> {
    return this.frames.next(type, pred, timeoutMs);
  }

  request(frame: Record<string, unknown>, timeoutMs = 5000): Promise<Frame> {
    return this.frames.request((f) => this.send(f), frame, timeoutMs);
  }
}

function open(port: number, localAddress?: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createConnection(
      { port, host: '127.0.0.1', ...(localAddress ? { localAddress } : {}) },
      () => resolve(s),
    );
    s.once('error', reject);
  });
}

/**
 * Says hello as `nick` over NDJSON and leaves: the nick is then held for whoever has the
 * token. Resolves once Redis shows the hold, with the token and the identity behind it.
 */
export async function visitAndLeave(
  port: number,
  nick: string,
  admin: Redis,
  keys: Keys,
): Promise<{ token: string; ident: string }> {
  const { c, welcome } = await JsonClient.hello(port, nick);
  c.close();
  const key = keys.nick(nick.toLowerCase());
  await waitUntil(async () => (await admin.hget(key, 'gw')) === null, 5000, `${nick} held`);
  const ident = await admin.hget(key, 'ident');
  if (!ident) throw new Error(`${nick} is not held after leaving`);
  return { token: String(welcome['token']), ident };
}
