import WebSocket from 'ws';
import { FrameInbox, helloOn, type Frame } from './clients.js';

/** A WebSocket protocol client for tests (the `ws` package). */
export class WsClient {
  readonly frames = new FrameInbox();
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
        reject(
          new Error(
            `upgrade refused: ${res.statusCode} retry-after=${String(res.headers['retry-after'] ?? '')}`,
          ),
        ),
      );
      ws.once('error', reject);
    });
  }

  static async hello(
    port: number,
    nick?: string,
    token?: string,
  ): Promise<{ c: WsClient; welcome: Frame }> {
    return helloOn(await WsClient.connect(port), nick, token);
  }

  send(frame: Record<string, unknown>): void {
    this.ws.send(JSON.stringify(frame));
  }

  sendRaw(data: string | Buffer, binary = false): void {
    this.ws.send(data, { binary });
  }

  next(type: string, pred: (f: Frame) => boolean = () => true, timeoutMs = 5000): Promise<Frame> {
    return this.frames.next(type, pred, timeoutMs);
  }

  request(frame: Record<string, unknown>, timeoutMs = 5000): Promise<Frame> {
    return this.frames.request((f) => this.send(f), frame, timeoutMs);
  }

  close(): void {
    this.ws.close();
  }
}
