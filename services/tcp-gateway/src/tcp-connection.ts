import type { Buffer } from 'node:buffer';
import type { Socket } from 'node:net';
import {
  decodeUtf8,
  HELP,
  LineSplitter,
  parseTextLine,
  renderText,
  type ServerFrame,
  type TextView,
} from '@chatfleet/protocol';
import type { GatewayCore, Session, Transport, Wire } from '@chatfleet/gateway-core';
import type { TcpGatewayConfig } from './config.js';

// The ref of the connection's own hello in text mode, to know when its reply came.
const GREETING = 'greeting';

type Mode = 'detect' | 'text' | 'json';

/**
 * One TCP client: framing, mode, backpressure; the protocol is the session's business. What an
 * idle connection does not need is made on first use (text view) or let go (mode timer).
 */
export class TcpConnection implements Transport {
  private mode: Mode = 'detect';
  private readonly splitter: LineSplitter;
  private readonly session: Session;
  private view: TextView | undefined;
  private detectTimer: NodeJS.Timeout | undefined;
  private ending = false;
  /** The connection's own hello is queued or running: no reply (welcome or error) seen yet. */
  private greeting = false;

  constructor(
    private readonly socket: Socket,
    private readonly core: GatewayCore,
    private readonly config: TcpGatewayConfig,
    /** The gateway's own bookkeeping, after the session's end is under way. */
    onClose: () => void,
  ) {
    this.splitter = new LineSplitter(config.maxFrameBytes);
    this.session = core.createSession(this);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => undefined);
    socket.once('close', () => {
      clearTimeout(this.detectTimer);
      this.detectTimer = undefined;
      void core.endSession(this.session);
      onClose();
    });
    if (config.keepAliveMs > 0) socket.setKeepAlive(true, config.keepAliveMs);
    if (config.idleTimeoutMs > 0) {
      socket.setTimeout(config.idleTimeoutMs, () => this.session.bye('idle'));
    }
    // setImmediate: data that arrived in time but is not read yet (a busy loop) still counts.
    this.detectTimer = setTimeout(
      () => setImmediate(() => this.setMode('text')),
      config.modeDetectMs,
    );
  }

  private setMode(mode: 'text' | 'json'): void {
    if (this.mode !== 'detect') return;
    clearTimeout(this.detectTimer);
    this.detectTimer = undefined;
    this.mode = mode;
    if (mode === 'text') {
      this.greet();
      if (this.config.automatch) this.session.receiveFrame({ type: 'match', tags: [] });
    }
  }

  private onData(chunk: Buffer): void {
    if (this.mode === 'detect') {
      const first = chunk.find((b) => b !== 0x20 && b !== 0x09 && b !== 0x0d && b !== 0x0a);
      if (first === undefined) return;
      this.setMode(first === 0x7b ? 'json' : 'text');
    }
    for (const ev of this.splitter.push(chunk)) {
      if (ev.kind === 'too_long') {
        this.session.receiveInvalid(
          'too_large',
          `lines are limited to ${this.config.maxFrameBytes} bytes; the rest of that line was dropped`,
        );
        continue;
      }
      const text = decodeUtf8(ev.line);
      if (text === undefined) this.session.receiveInvalid('bad_frame', 'input must be UTF-8');
      else if (this.mode === 'json') {
        if (text.trim() !== '') this.session.receiveText(text);
      } else this.onTextLine(text);
    }
  }

  private onTextLine(line: string): void {
    const limits = { maxTextChars: this.config.session.maxTextChars };
    const input = parseTextLine(line, this.session.currentRoom(), limits);
    switch (input.kind) {
      case 'frame':
      case 'error':
        // A greeting that failed (Redis away) is retried before the user's next command; one
        // still on its way is not (lines pasted at once would each greet again).
        if (
          input.kind === 'frame' &&
          this.session.nick === undefined &&
          !this.greeting &&
          input.frame.type !== 'hello'
        )
          this.greet();
        // Read again at its turn: `/join tea` and `hi` in one paste send `hi` to tea.
        return this.session.receiveLater(() => {
          const now = parseTextLine(line, this.session.currentRoom(), limits);
          return now.kind === 'frame' ? now.frame : now.kind === 'error' ? now : undefined;
        });
      case 'help':
        return this.write(HELP.map((l) => `* ${l}\n`).join(''));
      case 'json':
        this.write('* switching to NDJSON frames\n');
        this.mode = 'json';
        return;
      case 'empty':
        return;
    }
  }

  private greet(): void {
    this.greeting = true;
    this.session.receiveFrame({ type: 'hello', ref: GREETING });
  }

  send(frame: ServerFrame, wire?: Wire): void {
    // Checked only while a greeting is on its way: every frame passes here.
    if (this.greeting && 'ref' in frame && frame.ref === GREETING) this.greeting = false;
    if (this.mode === 'json') {
      this.write(wire ? wire.line : `${JSON.stringify(frame)}\n`);
      return;
    }
    const lines = renderText(frame, (this.view ??= {}));
    if (lines.length > 0) this.write(`${lines.join('\n')}\n`);
    // A text-mode user whose stranger left is queued again at once, as with a fresh connection.
    if (frame.type === 'partner_left' && this.config.automatch && !this.session.waiting) {
      this.session.receiveFrame({ type: 'match', tags: this.session.lastTags });
    }
  }

  address(): string {
    return this.socket.remoteAddress ?? '';
  }

  /** Resolves once the socket has closed (made when asked: only a stopping gateway asks). */
  whenClosed(): Promise<void> {
    const socket = this.socket;
    if (socket.closed) return Promise.resolve();
    return new Promise((resolve) => socket.once('close', () => resolve()));
  }

  private write(data: string | Buffer): void {
    if (this.ending || this.socket.destroyed) return;
    this.socket.write(data);
    if (this.socket.writableLength > this.config.maxBacklogBytes) {
      // A reader this far behind is not reading: drop it rather than buffer without bound.
      this.session.noteClose('slow');
      this.core.log.info(
        { sid: this.session.sid, backlog: this.socket.writableLength },
        'slow reader disconnected',
      );
      this.destroy();
    }
  }

  backlog(): number {
    return this.socket.writableLength;
  }

  drained(): Promise<void> {
    const socket = this.socket;
    if (socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        socket.off('drain', done);
        socket.off('close', done);
        resolve();
      };
      socket.once('drain', done);
      socket.once('close', done);
    });
  }

  close(_reason: string): void {
    if (this.ending) return;
    this.ending = true;
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }

  destroy(): void {
    this.ending = true;
    this.socket.destroy();
  }
}
