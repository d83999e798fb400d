import WebSocket from 'ws';
import { Inbox, type Frame } from './clients.js';

/** A WebSocket protocol client for tests (the `ws` package). */
export class WsClient {
  readonly frames = new Inbox<Frame>();
  readonly closed: Promise<{ code: number; reason: string }>;
  isClosed = false;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      const text = data.toString();
      try {
        this.frames.push(isBinary ? { type: '<binary>' } : (JSON.parse(text) as Frame));
      } catch {
        this.frames.push({ type: '<not json>', text });
      }
    });
    ws.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      ws.once('close', (code, reason) => {
        this.isClosed = true;
        resolve({ code, reason: reason.toString() });
      }),
    );
  }

  static connect(
    port: number,
    opts: { origin?: string; localAddress?: string } = {},
  ): Promise<WsClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, {
        ...(opts.origin ? { origin: opts.origin } : {}),
        ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
      });
      ws.once('open', () => resolve(new WsClient(ws)));
      ws.once('unexpected-response', (_req, res) =>
        reject(new Error(`upgrade refused: ${res.statusCode}`)),
      );
      ws.once('error', reject);
    });
  }

  static async hello(
    port: number,
    nick?: string,
    token?: string,
  ): Promise<{ c: WsClient; welcome: Frame }> {
    const c = await WsClient.connect(port);
    c.send({ type: 'hello', ...(nick ? { nick } : {}), ...(token ? { token } : {}) });
    return { c, welcome: await c.next('welcome') };
  }

  send(frame: Record<string, unknown>): void {
    this.ws.send(JSON.stringify(frame));
  }

  sendRaw(data: string | Buffer, binary = false): void {
    this.ws.send(data, { binary });
  }

  next(type: string, pred: (f: Frame) => boolean = () => true, timeoutMs = 5000): Promise<Frame> {
    return this.frames.take((f) => f.type === type && pred(f), timeoutMs, `a ${type} frame`);
  }

  async request(frame: Record<string, unknown>, timeoutMs = 5000): Promise<Frame> {
    const ref = `r${Math.random().toString(36).slice(2, 10)}`;
    this.send({ ...frame, ref });
    return this.frames.take(
      (f) => f['ref'] === ref,
      timeoutMs,
      `a reply to ${JSON.stringify(frame)}`,
    );
  }

  close(): void {
    this.ws.close();
  }
}
