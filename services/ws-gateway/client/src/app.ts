import {
  fillNotice,
  type FillOutcome,
  fillRoom,
  type HistoryAsk,
  RoomCursor,
  type ServerFrame,
} from '@chatfleet/protocol';
import { Connection } from './connection.js';
import {
  addMessage,
  describeError,
  dmKey,
  ensureConv,
  newState,
  notice,
  removeMessage,
  roomKey,
  TYPING_SHOWN_MS,
  type Conv,
  type State,
} from './state.js';

const STORE = 'chatfleet.identity';

/** The client's brain: frames in, state out, actions from the views. */
export class App {
  readonly s: State = newState();
  private readonly conn: Connection;
  private toastId = 0;
  private lobbyTimer: ReturnType<typeof setInterval> | undefined;

  constructor(
    url: string,
    readonly render: () => void,
  ) {
    try {
      const saved = JSON.parse(localStorage.getItem(STORE) ?? 'null') as {
        nick?: string;
        token?: string;
      } | null;
      if (saved?.nick) this.s.wantedNick = saved.nick;
      if (saved?.token) this.s.token = saved.token;
    } catch {
      // nothing saved
    }
    this.conn = new Connection(url, {
      open: () => this.onOpen(),
      frame: (f) => {
        this.onFrame(f);
        this.render();
      },
      status: (st, retry) => {
        this.s.status = st;
        this.s.retryInMs = retry;
        if (st === 'offline') this.onLost();
        this.render();
      },
    });
  }

  start(): void {
    this.conn.connect();
    this.lobbyTimer = setInterval(() => this.s.nick && this.conn.send({ type: 'rooms' }), 5000);
  }

  get active(): Conv | undefined {
    return this.s.active ? this.s.convs.get(this.s.active) : undefined;
  }

  // Actions from the views.

  pickNick(nick: string): void {
    this.s.wantedNick = nick.trim() || undefined;
    this.s.token = undefined;
    this.conn.send({ type: 'hello', ...(this.s.wantedNick ? { nick: this.s.wantedNick } : {}) });
  }

  join(room: string, password?: string): void {
    const r = room.trim().toLowerCase();
    if (!r) return;
    const existing = this.s.convs.get(roomKey(r));
    if (existing && !existing.ended) return this.open(existing.key);
    this.conn.send({ type: 'join', room: r, ...(password ? { password } : {}), ref: `join:${r}` });
    if (password) this.roomConv(r).password = password;
  }

  leave(c: Conv): void {
    if (c.type === 'dm' || c.ended) {
      this.s.convs.delete(c.key);
      this.s.active = undefined;
    } else {
      this.conn.send({ type: 'leave', room: c.target });
    }
    this.render();
  }

  say(c: Conv, text: string): void {
    if (!text.trim()) return;
    const frame =
      c.type === 'dm' ? { type: 'dm', to: c.target, text } : { type: 'say', room: c.target, text };
    if (!this.conn.send(frame)) this.toast('Not connected: your message was not sent.');
  }

  findStranger(tags: string): void {
    this.s.tags = tags
      .split(/[\s,]+/)
      .map((t) => t.toLowerCase())
      .filter((t) => t !== '')
      .slice(0, 5);
    this.conn.send({ type: 'match', tags: this.s.tags });
  }

  next(): void {
    this.conn.send({ type: 'next' });
  }

  /** The user is typing in a conversation: the others hear of it at most once per 2 s. */
  typing(c: Conv, text: string): void {
    const now = Date.now();
    if (c.ended || text.trim() === '' || now - (c.typedAt ?? 0) < 2000) return;
    c.typedAt = now;
    this.conn.send(
      c.type === 'dm' ? { type: 'typing', to: c.target } : { type: 'typing', room: c.target },
    );
  }

  /** The person a match or DM conversation is with. */
  peerOf(c: Conv): string | undefined {
    return c.type === 'dm' ? c.target : c.type === 'match' ? c.members[0] : undefined;
  }

  /** Opens (or closes) the bar that asks before a block or a report is sent. */
  ask(c: Conv, kind: 'block' | 'report'): void {
    const same = this.s.asking?.conv === c.key && this.s.asking.kind === kind;
    this.s.asking = same ? undefined : { conv: c.key, kind };
    this.render();
  }

  /** Whom a block or report is about: a stranger by their match room (whatever nick they
   * took since), anyone else by nick. */
  private about(c: Conv): { room: string } | { nick: string } | undefined {
    if (c.type === 'match') return { room: c.target };
    const nick = this.peerOf(c);
    return nick ? { nick } : undefined;
  }

  block(c: Conv): void {
    const who = this.about(c);
    this.s.asking = undefined;
    if (who) this.conn.send({ type: 'block', ...who, ref: `block:${c.key}` });
    this.render();
  }

  report(c: Conv, reason: string): void {
    const who = this.about(c);
    this.s.asking = undefined;
    const why = reason.trim().slice(0, 500);
    if (who) this.conn.send({ type: 'report', ...who, ...(why ? { reason: why } : {}) });
    this.render();
  }

  openDm(peer: string): void {
    const c = ensureConv(this.s, dmKey(peer), () => ({
      key: dmKey(peer),
      type: 'dm',
      title: `@${peer}`,
      target: peer,
    }));
    if (c.items.length === 0) this.conn.send({ type: 'history', with: peer, limit: 50 });
    this.open(c.key);
  }

  open(key: string | undefined): void {
    this.s.active = key;
    this.s.showMenu = false;
    const c = key ? this.s.convs.get(key) : undefined;
    if (c) c.unread = 0;
    this.render();
  }

  toast(text: string): void {
    const id = ++this.toastId;
    this.s.toasts.push({ id, text });
    setTimeout(() => {
      this.s.toasts = this.s.toasts.filter((t) => t.id !== id);
      this.render();
    }, 6000);
    this.render();
  }

  // The connection.

  private onOpen(): void {
    if (this.s.nick || this.s.wantedNick) {
      this.conn.send({
        type: 'hello',
        ...((this.s.nick ?? this.s.wantedNick) ? { nick: this.s.nick ?? this.s.wantedNick } : {}),
        ...(this.s.token ? { token: this.s.token } : {}),
      });
    }
  }

  /** A lost connection ends a stranger chat (the server ends it too); rooms resume later. */
  private onLost(): void {
    for (const c of this.s.convs.values()) {
      if (c.type === 'match' && !c.ended) {
        c.ended = true;
        notice(c, 'Connection lost: this chat has ended.');
      }
    }
  }

  private resume(): void {
    for (const c of this.s.convs.values()) {
      if (c.type !== 'room' || c.ended) continue;
      this.conn.send({
        type: 'join',
        room: c.target,
        ...(c.password ? { password: c.password } : {}),
        ...c.cursor?.rejoin(),
      });
    }
    if (this.s.waiting) this.conn.send({ type: 'match', tags: this.s.tags });
    this.conn.send({ type: 'rooms' });
  }

  private onFrame(f: ServerFrame): void {
    const s = this.s;
    switch (f.type) {
      case 'welcome':
        s.renaming = false;
        s.nick = f.nick;
        s.token = f.token;
        localStorage.setItem(STORE, JSON.stringify({ nick: f.nick, token: f.token }));
        return this.resume();
      case 'joined': {
        const c = this.roomConv(f.room);
        const wasNew = c.items.length === 0;
        c.members = f.members;
        c.ended = false;
        const res = c.cursor?.joined(f);
        for (const m of res?.fresh ?? f.history) addMessage(s, c, m);
        this.fillStep(c, res);
        if (wasNew || f.ref === `join:${f.room}`) this.open(c.key);
        this.conn.send({ type: 'rooms' });
        return;
      }
      case 'left': {
        s.convs.delete(roomKey(f.room));
        if (s.active === roomKey(f.room)) s.active = undefined;
        return;
      }
      case 'presence': {
        const c = s.convs.get(roomKey(f.room));
        if (!c) return;
        c.members =
          f.event === 'join'
            ? [...new Set([...c.members, f.nick])].sort()
            : c.members.filter((n) => n !== f.nick);
        notice(c, `${f.nick} ${f.event === 'join' ? 'joined' : 'left'} (${f.count} here)`);
        return;
      }
      case 'message': {
        const c = s.convs.get(roomKey(f.room));
        if (!c) return;
        const res = c.cursor?.message(f);
        if (res?.fresh !== false) addMessage(s, c, f);
        this.fillStep(c, res);
        return;
      }
      case 'resync': {
        if (!('room' in f)) {
          // DMs have no fill: the loss is said in the conversation it happened in.
          const c = ensureConv(s, dmKey(f.with), () => ({
            key: dmKey(f.with),
            type: 'dm',
            title: `@${f.with}`,
            target: f.with,
          }));
          notice(c, `Some DMs with ${f.with} were lost by the server and cannot be recovered.`);
          return;
        }
        // Quiet unless the fill from history finds a real loss.
        const c = s.convs.get(roomKey(f.room));
        const ask = c?.cursor?.resync(f);
        this.fillStep(c, { ask });
        return;
      }
      case 'dm': {
        const peer = f.from.toLowerCase() === s.nick?.toLowerCase() ? f.to : f.from;
        const c = ensureConv(s, dmKey(peer), () => ({
          key: dmKey(peer),
          type: 'dm',
          title: `@${peer}`,
          target: peer,
        }));
        addMessage(s, c, f);
        return;
      }
      case 'waiting':
        s.waiting = true;
        // `next` answers with waiting: the chat it left is over.
        for (const c of s.convs.values())
          if (c.type === 'match' && !c.ended) {
            c.ended = true;
            notice(c, 'You left this chat.');
          }
        return;
      case 'matched': {
        s.waiting = false;
        const c = ensureConv(s, roomKey(f.room), () => ({
          key: roomKey(f.room),
          type: 'match',
          title: `Stranger: ${f.partner}`,
          target: f.room,
          cursor: new RoomCursor(f.room),
        }));
        c.members = [f.partner, s.nick ?? ''];
        notice(
          c,
          `You are now chatting with ${f.partner}${f.tags.length ? ` (you both like ${f.tags.join(', ')})` : ''}. Say hi!`,
        );
        return this.open(c.key);
      }
      case 'blocked': {
        const c = f.ref?.startsWith('block:') ? s.convs.get(f.ref.slice(6)) : undefined;
        if (c) {
          c.ended = true;
          notice(c, `You blocked ${f.nick}: you will not be matched or exchange DMs again.`);
        }
        return this.toast(`Blocked ${f.nick}.`);
      }
      case 'unblocked':
        return this.toast(`Unblocked ${f.nick}.`);
      case 'reported':
        return this.toast(`Reported ${f.nick}. Thank you: moderators will look at it.`);
      case 'renamed': {
        const c = s.convs.get(roomKey(f.room));
        if (!c) return;
        c.title = `Stranger: ${f.nick}`;
        c.members = c.members.map((n) => (n === f.old ? f.nick : n));
        notice(c, `${f.old} is now ${f.nick}.`);
        return;
      }
      case 'partner_left': {
        const c = s.convs.get(roomKey(f.room));
        if (c) {
          c.ended = true;
          notice(c, 'Your stranger left the chat.');
        }
        return;
      }
      case 'rooms':
        s.lobby = f.rooms;
        return;
      case 'members': {
        const c = s.convs.get(roomKey(f.room));
        if (c) c.members = f.nicks;
        return;
      }
      case 'history': {
        const c = f.with
          ? s.convs.get(dmKey(f.with))
          : f.room
            ? s.convs.get(roomKey(f.room))
            : undefined;
        if (!c) return;
        if (f.room !== undefined && fillRoom(f.ref) === f.room) {
          const res = c.cursor?.page(f);
          for (const m of res?.fresh ?? []) addMessage(s, c, m);
          return this.fillStep(c, res);
        }
        for (const m of f.messages) addMessage(s, c, m);
        return;
      }
      case 'typing': {
        const c = f.room !== undefined ? s.convs.get(roomKey(f.room)) : s.convs.get(dmKey(f.nick));
        if (!c) return;
        c.typing.set(f.nick, Date.now() + TYPING_SHOWN_MS);
        // Drawn again when it runs out, if nothing else draws first.
        setTimeout(() => this.render(), TYPING_SHOWN_MS + 50);
        return;
      }
      case 'removed': {
        const c =
          f.room !== undefined
            ? s.convs.get(roomKey(f.room))
            : f.with !== undefined
              ? s.convs.get(dmKey(f.with))
              : undefined;
        if (c) removeMessage(c, f.id);
        else for (const d of s.convs.values()) if (d.type === 'dm') removeMessage(d, f.id);
        return;
      }
      case 'bye':
        if (f.reason === 'replaced') {
          s.fatal = 'You opened chatfleet somewhere else with this nick. Reload to continue here.';
          this.conn.stop();
        } else if (f.reason === 'banned' || f.reason === 'kicked') {
          s.fatal =
            f.reason === 'banned'
              ? `You are banned from chatfleet${f.message ? `: ${f.message}` : '.'}`
              : `A moderator disconnected you${f.message ? `: ${f.message}` : '.'} Reload to come back.`;
          this.conn.stop();
        }
        return;
      case 'error': {
        const filling = fillRoom(f.ref);
        if (filling !== undefined) {
          const c = s.convs.get(roomKey(filling));
          return this.fillStep(c, { done: c?.cursor?.failed() });
        }
        if ((f.code === 'nick_taken' || f.code === 'bad_nick') && !s.renaming) {
          s.nick = undefined;
          s.wantedNick = undefined;
        }
        if (f.ref?.startsWith('join:')) s.convs.delete(roomKey(f.ref.slice(5)));
        if (f.code === 'banned') {
          s.fatal = `You are banned from chatfleet: ${f.message}`;
          this.conn.stop();
          return;
        }
        return this.toast(describeError(f));
      }
      case 'pong':
        return;
    }
  }

  private roomConv(room: string): Conv {
    return ensureConv(this.s, roomKey(room), () => ({
      key: roomKey(room),
      type: 'room',
      title: `#${room}`,
      target: room,
      cursor: new RoomCursor(room),
    }));
  }

  /** Sends a fill's next history read, and tells the user if the fill found a loss. */
  private fillStep(
    c: Conv | undefined,
    res: { ask?: HistoryAsk | undefined; done?: FillOutcome | undefined } | undefined,
  ): void {
    if (res?.ask) this.conn.send({ ...res.ask });
    const text = res?.done && c && fillNotice(res.done, c.type === 'match' ? 'this chat' : c.title);
    if (c && text) notice(c, text);
  }

  stop(): void {
    clearInterval(this.lobbyTimer);
    this.conn.stop();
  }
}
