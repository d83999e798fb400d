import type { MessageFrame, ServerFrame } from '../frames.js';

type Joined = Extract<ServerFrame, { type: 'joined' }>;
type Resync = Extract<ServerFrame, { type: 'resync'; room: string }>;
type History = Extract<ServerFrame, { type: 'history' }>;

export interface HistoryAsk {
  type: 'history';
  room: string;
  after: number;
  limit: number;
  ref: string;
}

/**
 * How a gap fill ended: `complete` (nothing was lost), `lost` (some messages are gone for
 * good), `truncated` (more were missed than a client pages through; history still has them),
 * `failed` (the server refused the history read).
 */
export interface FillOutcome {
  room: string;
  status: 'complete' | 'lost' | 'truncated' | 'failed';
  /** Messages the fill brought that the client did not have. */
  filled: number;
}

const PAGE = 100;
// About what a chat view keeps: past this a client shows "not shown", not a thousand pages.
const MAX_PAGES = 10;

interface Fill {
  /** The last message held before the gap, and its seq (0 if unknown). */
  baseId: number;
  baseSeq: number;
  epochChanged: boolean;
  /** seq of every message after baseId received since the gap opened. */
  got: Map<number, number | undefined>;
  /** The first message received after the latest gap: the fill ends there. */
  until: number | undefined;
  after: number;
  /** A new gap opened while a page was in flight: page on from here instead. */
  restartAt: number | undefined;
  pages: number;
  filled: number;
  inFlight: boolean;
  /** A rejoin said recovered: the server sends the rest of the gap, up to this id. */
  coveredTo: number | undefined;
  /** Paged to the end with nothing after the gap yet: the next message settles the verdict. */
  awaitingNext: boolean;
}

const fillRef = (room: string) => `fill:${room}`;

/** The room a reply with this ref was a fill read for, if it was one. */
export const fillRoom = (ref: string | undefined): string | undefined =>
  ref?.startsWith('fill:') ? ref.slice(5) : undefined;

/**
 * What a client holds of one room, for the recovery contract (docs/protocol.md, "Recovery"):
 * the last id, seq and epoch to rejoin with, and the fill of a gap the server reported. It
 * decides what is new, so a client that feeds it every room message shows each one once.
 * Every method that takes messages in may return `done`: the outcome of a fill.
 */
export class RoomCursor {
  lastId = 0;
  lastSeq = 0;
  epoch: string | undefined;
  private fill: Fill | undefined;
  private outcome: FillOutcome | undefined;

  constructor(readonly room: string) {}

  /** The since/epoch fields of a join: an unfinished fill rejoins from before its gap. */
  rejoin(): { since?: number; epoch?: string } {
    const since = this.fill ? this.fill.baseId : this.lastId;
    if (this.fill) this.fill.inFlight = false;
    return {
      ...(since > 0 ? { since } : {}),
      ...(this.epoch !== undefined ? { epoch: this.epoch } : {}),
    };
  }

  /** A live room message: whether it is new to the client. */
  message(m: MessageFrame): { fresh: boolean; done?: FillOutcome } {
    const fresh = this.take(m, true);
    return { fresh, ...this.takeOutcome() };
  }

  /** A `joined` reply: its new history, and a history read if something may be missing. */
  joined(f: Joined): { fresh: MessageFrame[]; ask?: HistoryAsk; done?: FillOutcome } {
    const before = { id: this.lastId, seq: this.lastSeq };
    const epochChanged =
      this.epoch !== undefined && f.epoch !== undefined && f.epoch !== this.epoch;
    if (f.epoch !== undefined) this.epoch = f.epoch;
    if (f.recovered === true && this.fill) {
      // Rejoined from before an unfinished fill's gap, and the server has all of it: what is
      // missing arrives with this reply (and its `more`), then the fill is done.
      if (f.history.length === 0) this.fill = undefined;
      else this.fill.coveredTo = before.id;
    }
    if (f.recovered === false && before.id > 0) this.openGap(before, epochChanged);
    const fresh = f.history.filter((m) => this.take(m, true));
    return { fresh, ...(f.recovered === false ? this.nextAsk() : {}), ...this.takeOutcome() };
  }

  /** A `resync`: the server could not catch up; read the gap from history. */
  resync(f: Resync): HistoryAsk | undefined {
    const epochChanged = this.epoch !== undefined && f.epoch !== this.epoch;
    this.epoch = f.epoch;
    this.openGap({ id: this.lastId, seq: this.lastSeq }, epochChanged);
    return this.nextAsk().ask;
  }

  /** A reply to a fill's history read: its new messages, then the next read or the outcome. */
  page(f: History): { fresh: MessageFrame[]; ask?: HistoryAsk; done?: FillOutcome } {
    const fill = this.fill;
    if (!fill?.inFlight) return { fresh: [] };
    fill.inFlight = false;
    fill.pages++;
    const msgs = f.messages.filter((m): m is MessageFrame => m.type === 'message');
    const fresh = msgs.filter((m) => this.take(m, false));
    fill.filled += fresh.length;
    const last = msgs[msgs.length - 1]?.id ?? fill.after;
    // A gap that opened while this page was in flight is paged from its start, never skipped.
    const restarted = fill.restartAt !== undefined;
    fill.after = Math.min(last, fill.restartAt ?? last);
    fill.restartAt = undefined;
    const reached = fill.until !== undefined && last >= fill.until;
    if (!restarted && (reached || msgs.length < PAGE)) {
      // History ends inside the gap with nothing after it yet: the next message decides.
      if (fill.until === undefined && !fill.epochChanged) {
        fill.awaitingNext = true;
        return { fresh };
      }
      return { fresh, done: this.finish(fill) };
    }
    if (fill.pages >= MAX_PAGES) return { fresh, done: this.finish(fill, 'truncated') };
    return { fresh, ...this.nextAsk() };
  }

  /** The server refused a fill's read (an error with the fill's ref). */
  failed(): FillOutcome | undefined {
    return this.fill ? this.finish(this.fill, 'failed') : undefined;
  }

  /** Takes a message in; false if the client already has it. */
  private take(m: MessageFrame, live: boolean): boolean {
    const f = this.fill;
    const fresh = m.id > this.lastId || (f !== undefined && m.id > f.baseId && !f.got.has(m.id));
    if (!fresh) return false;
    const after = m.id > this.lastId;
    if (f && m.id > f.baseId) {
      f.got.set(m.id, m.seq);
      // Only a message that came the normal way marks where the gap ends.
      if (live && after && f.until === undefined) f.until = m.id;
    }
    if (after) {
      this.lastId = m.id;
      this.lastSeq = m.seq ?? 0;
    }
    if (f?.coveredTo !== undefined && m.id > f.coveredTo) this.fill = undefined;
    else if (f?.awaitingNext && f.until !== undefined) this.outcome = this.finish(f);
    return true;
  }

  private takeOutcome(): { done?: FillOutcome } {
    const done = this.outcome;
    this.outcome = undefined;
    return done ? { done } : {};
  }

  private openGap(before: { id: number; seq: number }, epochChanged: boolean): void {
    const f = this.fill;
    if (f) {
      // A second gap while filling the first: keep the older base and page over both.
      f.epochChanged ||= epochChanged;
      f.until = undefined;
      f.coveredTo = undefined;
      f.awaitingNext = false;
      if (f.inFlight) f.restartAt = Math.min(f.restartAt ?? before.id, before.id);
      else f.after = Math.min(f.after, before.id);
      return;
    }
    this.fill = {
      baseId: before.id,
      baseSeq: before.seq,
      epochChanged,
      got: new Map(),
      until: undefined,
      after: before.id,
      restartAt: undefined,
      pages: 0,
      filled: 0,
      inFlight: false,
      coveredTo: undefined,
      awaitingNext: false,
    };
  }

  private nextAsk(): { ask?: HistoryAsk } {
    const f = this.fill;
    if (!f || f.inFlight || f.awaitingNext) return {};
    f.inFlight = true;
    const ask: HistoryAsk = {
      type: 'history',
      room: this.room,
      after: f.after,
      limit: PAGE,
      ref: fillRef(this.room),
    };
    return { ask };
  }

  /** Ends the fill: as `status`, or as the seq check finds it. */
  private finish(f: Fill, status?: 'truncated' | 'failed'): FillOutcome {
    this.fill = undefined;
    return { room: this.room, status: status ?? this.verdict(f), filled: f.filled };
  }

  /** Contiguous in seq from the message before the gap up to the first one after it? */
  private verdict(f: Fill): 'complete' | 'lost' {
    if (f.epochChanged || f.baseSeq === 0) return 'lost';
    const end = f.until ?? this.lastId;
    const seqs = [...f.got.entries()]
      .filter(([id]) => id <= end)
      .sort((a, b) => a[0] - b[0])
      .map(([, seq]) => seq);
    return seqs.every((seq, i) => seq === f.baseSeq + 1 + i) ? 'complete' : 'lost';
  }
}

/** What to tell the user about a fill, if anything; `where` names the room or chat. */
export function fillNotice(o: FillOutcome, where: string): string | undefined {
  switch (o.status) {
    case 'complete':
      return undefined;
    case 'lost':
      return `Some messages in ${where} could not be recovered.`;
    case 'truncated':
      return `More was said in ${where} while you were away than is shown here.`;
    case 'failed':
      return `Could not check ${where} for missed messages.`;
  }
}
