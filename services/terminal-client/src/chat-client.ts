import { connect, type Socket } from 'node:net';
import {
  type ClientFrame,
  fillNotice,
  type FillOutcome,
  fillRoom,
  HELP,
  isMatchRoom,
  LineSplitter,
  parseTextLine,
  reconnectDelay,
  renderText,
  RoomCursor,
  SeenIds,
  type ServerFrame,
  type TextView,
} from '@chatfleet/protocol';
import type { ClientArgs } from './args.js';
import type { Terminal } from './terminal.js';

const LIMITS = { maxTextChars: 2000 };
/** Typing is sent at most this often, and shown this long without another. */
const TYPING_EVERY_MS = 2000;
const TYPING_SHOWN_MS = 5000;
const UTF8 = new TextDecoder();

/**
 * Speaks NDJSON to a tcp-gateway and renders like text mode. Reconnects by itself, takes its
 * nick back with the token and rejoins each room with `since` and `epoch`; a gap the server
 * reports is filled from history, and only a real loss is shown (docs/protocol.md, Recovery).
 */
export class ChatClient {
  private socket: Socket | undefined;
  private readonly view: TextView = {};
  private nick: string | undefined;
  private token: string | undefined;
  private readonly rooms = new Map<string, { cursor: RoomCursor; password?: string }>();
  private readonly dms = new SeenIds();
  private readonly joinOrder: string[] = [];
  private match: string | undefined;
  private waiting = false;
  private tags: string[] = [];
  private quitting = false;
  private stopped = false;
  private attempt = 0;
  private welcomed = false;
  /** Set by a new connection until its welcome: a later welcome is a rename, not a reconnect. */
  private fresh = false;
  /** Messages a moderator removed (`room/id`, `dm/id`): never printed, even if one comes late. */
  private readonly removed = new SeenIds<string>(1000);
  /** When this client last said it was typing, and where. */
  private typedAt = 0;
  private typedIn: string | undefined;
  private typingTimer: ReturnType<typeof setTimeout> | undefined;
  /** Whose typing the prompt shows now. */
  private typist: string | undefined;

  constructor(
    private readonly args: ClientArgs,
    private readonly term: Terminal,
  ) {
    this.nick = args.nick;
  }

  connect(): void {
    const socket = connect({ host: this.args.host, port: this.args.port, noDelay: true });
    this.socket = socket;
    const splitter = new LineSplitter(1024 * 1024);
    socket.on('connect', () => {
      this.attempt = 0;
      this.fresh = true;
      this.send({
        type: 'hello',
        ...(this.nick ? { nick: this.nick } : {}),
        ...(this.token ? { token: this.token } : {}),
      });
    });
    socket.on('data', (chunk: Buffer) => {
      for (const ev of splitter.push(chunk)) {
        if (ev.kind !== 'line') continue;
        try {
          this.onFrame(JSON.parse(UTF8.decode(ev.line)) as ServerFrame);
        } catch {
          // not a frame
        }
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => this.onClose());
  }

  input(line: string): void {
    const current = this.match ?? this.joinOrder[this.joinOrder.length - 1];
    const res = parseTextLine(line, current, LIMITS);
    switch (res.kind) {
      case 'frame':
        return this.command(res.frame);
      case 'error':
        return this.term.print([`! ${res.code}: ${res.message}`]);
      case 'help':
        return this.term.print(HELP.map((l) => `* ${l}`));
      case 'json':
        return this.term.print(['* this client already speaks JSON frames']);
      case 'empty':
        return;
    }
  }

  /** A key was pressed at the prompt: the conversation hears of it at most once per 2 s. */
  keyTyped(line: string): void {
    const room = this.match ?? this.joinOrder[this.joinOrder.length - 1];
    if (room === undefined || line.trim() === '' || line.startsWith('/')) return;
    const now = Date.now();
    if (room === this.typedIn && now - this.typedAt < TYPING_EVERY_MS) return;
    this.typedAt = now;
    this.typedIn = room;
    this.send({ type: 'typing', room });
  }

  quit(): void {
    this.quitting = true;
    if (!this.send({ type: 'quit' })) process.exit(0);
    setTimeout(() => process.exit(0), 1000).unref();
  }

  private command(f: ClientFrame): void {
    if (f.type === 'quit') return this.quit();
    if (f.type === 'hello' && f.nick) this.nick = f.nick;
    if (f.type === 'join')
      this.rooms.set(f.room, {
        cursor: this.rooms.get(f.room)?.cursor ?? new RoomCursor(f.room),
        ...(f.password ? { password: f.password } : {}),
      });
    if (f.type === 'match') this.tags = f.tags;
    if (!this.send(f)) this.term.print(['! unavailable: not connected, reconnecting…']);
  }

  private send(f: ClientFrame): boolean {
    if (!this.socket || this.socket.destroyed || this.socket.connecting) return false;
    this.socket.write(`${JSON.stringify(f)}\n`);
    return true;
  }

  private onFrame(f: ServerFrame): void {
    switch (f.type) {
      case 'welcome':
        this.nick = f.nick;
        this.token = f.token;
        if (this.fresh) this.resume();
        this.fresh = false;
        break;
      case 'joined': {
        const st = this.room(f.room);
        const res = st.cursor.joined(f);
        if (res.ask) this.send(res.ask);
        if (res.done) this.fillDone(res.done);
        if (isMatchRoom(f.room)) break;
        if (!this.joinOrder.includes(f.room)) this.joinOrder.push(f.room);
        // A rejoin shows only what was missed.
        f = { ...f, history: res.fresh };
        break;
      }
      case 'left':
        this.rooms.delete(f.room);
        this.joinOrder.splice(
          this.joinOrder.indexOf(f.room) >>> 0,
          this.joinOrder.includes(f.room) ? 1 : 0,
        );
        break;
      case 'message': {
        const res = this.rooms.get(f.room)?.cursor.message(f);
        if (res?.fresh === false) return;
        if (res?.done) this.fillDone(res.done);
        this.typingDone(f.from);
        if (this.removed.has(`${f.room}/${f.id}`)) return;
        return this.show(f, `${f.room}/${f.id}`);
      }
      case 'dm':
        if (!this.dms.add(f.id)) return;
        this.typingDone(f.from);
        if (this.removed.has(`dm/${f.id}`)) return;
        return this.show(f, `dm/${f.id}`);
      case 'typing':
        return this.typing(f);
      case 'removed': {
        const key = f.room !== undefined ? `${f.room}/${f.id}` : `dm/${f.id}`;
        this.removed.add(key);
        if (this.term.erase(key, '* (a message removed by a moderator)')) return;
        break;
      }
      case 'error':
        if (f.code === 'banned') this.stopped = true;
        if (fillRoom(f.ref) === undefined) break;
        {
          const done = this.rooms.get(fillRoom(f.ref) ?? '')?.cursor.failed();
          if (done) this.fillDone(done);
        }
        return;
      case 'resync': {
        // DMs have no fill: the loss is said as it is.
        if (!('room' in f)) break;
        // Quiet unless the fill finds a real loss.
        const ask = this.rooms.get(f.room)?.cursor.resync(f);
        if (ask) this.send(ask);
        return;
      }
      case 'history':
        if (f.room !== undefined && fillRoom(f.ref) === f.room) return this.onFill(f);
        break;
      case 'waiting':
        this.waiting = true;
        // `next` (or `match` while matched) answers with waiting: that chat is over.
        if (this.match) this.rooms.delete(this.match);
        this.match = undefined;
        break;
      case 'matched':
        this.waiting = false;
        this.match = f.room;
        this.rooms.set(f.room, { cursor: new RoomCursor(f.room) });
        break;
      case 'partner_left':
        this.match = undefined;
        this.rooms.delete(f.room);
        break;
      case 'bye':
        if (f.reason !== 'shutdown') this.stopped = true;
        break;
    }
    this.show(f);
    if (f.type === 'partner_left' && this.args.automatch)
      this.send({ type: 'match', tags: this.tags });
  }

  /** Prints a frame as text mode would; `mark` lets a removal find its line later. */
  private show(f: ServerFrame, mark?: string): void {
    this.term.print(renderText(f, this.view), mark);
    this.term.setPrompt(this.match ? 'stranger' : this.joinOrder[this.joinOrder.length - 1]);
  }

  /** Someone is typing: said in the prompt for TYPING_SHOWN_MS, or until their message. */
  private typing(f: Extract<ServerFrame, { type: 'typing' }>): void {
    const current = this.match ?? this.joinOrder[this.joinOrder.length - 1];
    const who = f.room !== undefined && isMatchRoom(f.room) ? 'stranger' : f.nick;
    const where =
      f.room === undefined ? ' a DM' : f.room === current ? '' : ` in ${this.where(f.room)}`;
    this.typist = f.nick;
    this.term.setStatus(`${who} is typing${where}…`);
    clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(() => this.typingDone(f.nick), TYPING_SHOWN_MS);
  }

  private typingDone(nick: string): void {
    if (this.typist !== nick) return;
    this.typist = undefined;
    clearTimeout(this.typingTimer);
    this.term.setStatus(undefined);
  }

  private room(name: string): { cursor: RoomCursor; password?: string } {
    let st = this.rooms.get(name);
    if (!st) this.rooms.set(name, (st = { cursor: new RoomCursor(name) }));
    return st;
  }

  /** A page of a gap fill: what was missed, printed under one line, then the next page. */
  private onFill(f: Extract<ServerFrame, { type: 'history' }>): void {
    const st = this.rooms.get(f.room ?? '');
    if (!st) return;
    const res = st.cursor.page(f);
    if (res.fresh.length > 0)
      this.term.print([
        `* ${res.fresh.length} earlier message${res.fresh.length === 1 ? '' : 's'} in ${this.where(st.cursor.room)} you missed:`,
        ...res.fresh.flatMap((m) => renderText(m, this.view)),
      ]);
    if (res.ask) this.send(res.ask);
    if (res.done) this.fillDone(res.done);
  }

  private fillDone(o: FillOutcome): void {
    const text = fillNotice(o, this.where(o.room));
    if (text) this.term.print([`* ${text}`]);
  }

  private where(room: string): string {
    return isMatchRoom(room) ? 'this chat' : room;
  }

  /** After (re)connecting: rooms again with `since`, and the stranger queue. */
  private resume(): void {
    const first = !this.welcomed;
    this.welcomed = true;
    if (this.match) {
      this.rooms.delete(this.match);
      this.match = undefined;
      this.term.print(['* your stranger chat ended when the connection dropped']);
      if (this.args.automatch) this.waiting = true;
    }
    for (const [room, st] of this.rooms) {
      this.send({
        type: 'join',
        room,
        ...(st.password ? { password: st.password } : {}),
        ...st.cursor.rejoin(),
      });
    }
    if ((first && this.args.automatch) || this.waiting)
      this.send({ type: 'match', tags: this.tags });
  }

  private onClose(): void {
    if (this.quitting || this.stopped) process.exit(0);
    const delay = reconnectDelay(this.attempt++);
    this.term.print([`* connection lost, reconnecting in ${(delay / 1000).toFixed(1)} s…`]);
    setTimeout(() => this.connect(), delay);
  }
}
