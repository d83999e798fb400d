import {
  type FillOutcome,
  type HistoryAsk,
  type MessageFrame,
  RoomCursor,
  type ServerFrame,
} from '@chatfleet/protocol';
import { conv, createKeys } from '@chatfleet/store';
import type { Frame, FrameInbox } from './clients.js';
import type { Fleet } from './fleet.js';
import { waitUntil } from './ports.js';

/** What a protocol client needs for the chaos helpers, over either transport. */
export interface ChaosClient {
  frames: FrameInbox;
  send(frame: Record<string, unknown>): void;
}

export interface Acked {
  text: string;
  id: number;
}

/**
 * Sends `count` numbered messages into a room at about `perSec`, each with a ref, and waits
 * for each one's single reply; a refusal (Redis away) is retried after a pause, like a client
 * would. Resolves with the acknowledged messages in order. Bounded by `deadlineMs`.
 */
export async function sendSequence(
  c: ChaosClient,
  room: string,
  o: {
    count: number;
    perSec: number;
    tag: string;
    deadlineMs?: number;
    text?: string;
    /** Each refusal's error code (`unavailable` while Redis is away). */
    refused?: string[];
  },
): Promise<Acked[]> {
  const acked: Acked[] = [];
  const end = Date.now() + (o.deadlineMs ?? 60_000);
  const gap = 1000 / o.perSec;
  for (let i = 0; i < o.count && Date.now() < end;) {
    const text = `${o.tag} ${i}${o.text ? ` ${o.text}` : ''}`;
    const started = Date.now();
    const reply = await c.frames.request((f) => c.send(f), { type: 'say', room, text }, 10_000);
    if (reply.type === 'message') {
      acked.push({ text, id: Number(reply['id']) });
      i++;
    } else {
      o.refused?.push(String(reply['code'] ?? reply.type));
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    const wait = gap - (Date.now() - started);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  return acked;
}

export interface DeliveryReport {
  /** Acknowledged messages the listener never got. */
  missing: Acked[];
  /** Ids the listener got more than once. */
  duplicates: number[];
  /** Whether the ids it got for the room were strictly increasing. */
  inOrder: boolean;
  /** resync frames (recovered:false) the listener got for the room. */
  resyncs: Frame[];
}

/** Compares what a listener got in a room with what was acknowledged. */
export function checkDelivery(frames: Frame[], room: string, acked: Acked[]): DeliveryReport {
  const ids: number[] = [];
  const resyncs: Frame[] = [];
  for (const f of frames) {
    if (f.type === 'joined' && f['room'] === room)
      for (const m of f['history'] as Frame[]) ids.push(Number(m['id']));
    if (f.type === 'message' && f['room'] === room) ids.push(Number(f['id']));
    if (f.type === 'resync' && f['room'] === room) resyncs.push(f);
  }
  const seen = new Set<number>();
  const duplicates: number[] = [];
  for (const id of ids) {
    if (seen.has(id)) duplicates.push(id);
    seen.add(id);
  }
  return {
    missing: acked.filter((a) => !seen.has(a.id)),
    duplicates,
    inOrder: ids.every((id, i) => i === 0 || id > (ids[i - 1] ?? 0)),
    resyncs,
  };
}

/** Waits until `frames` holds every acknowledged id of the room, or the time is up. */
export async function waitForAll(
  inbox: FrameInbox,
  room: string,
  acked: Acked[],
  timeoutMs: number,
): Promise<DeliveryReport> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const report = checkDelivery(inbox.items, room, acked);
    if (report.missing.length === 0 || Date.now() > end) return report;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every (epoch, seq) a client was shown with two different ids: a lie, one each. */
export function seqsShownTwice(frames: Frame[], room: string): string[] {
  let epoch = '';
  const byKey = new Map<string, number>();
  const twice: string[] = [];
  for (const f of frames) {
    if (f['room'] !== room) continue;
    if ((f.type === 'joined' || f.type === 'resync') && typeof f['epoch'] === 'string')
      epoch = f['epoch'];
    if (f.type !== 'message' || typeof f['seq'] !== 'number') continue;
    const key = `${epoch}/${f['seq']}`;
    const id = Number(f['id']);
    if (byKey.has(key) && byKey.get(key) !== id) twice.push(`${key}: ${byKey.get(key)} and ${id}`);
    byKey.set(key, id);
  }
  return twice;
}

/** Whether a client was told that messages of the room may be missing. */
export const toldOfLoss = (frames: Frame[], room: string): boolean =>
  frames.some((f) => f.type === 'resync' && f['room'] === room && f['recovered'] === false);

/**
 * Plays a listener's frames for `room` through the clients' RoomCursor, then runs the fills
 * they asked for against the gateway, as the browser and terminal clients do. Resolves with
 * the outcomes and every id the client would show.
 */
export async function fillLikeAClient(
  c: ChaosClient,
  room: string,
): Promise<{ outcomes: FillOutcome[]; shown: Set<number> }> {
  const cursor = new RoomCursor(room);
  const outcomes: FillOutcome[] = [];
  const shown = new Set<number>();
  let ask: HistoryAsk | undefined;
  const step = (r: {
    fresh?: MessageFrame[];
    ask?: HistoryAsk | undefined;
    done?: FillOutcome | undefined;
  }) => {
    for (const m of r.fresh ?? []) shown.add(m.id);
    if (r.done) outcomes.push(r.done);
    ask = r.ask ?? ask;
  };
  for (const f of c.frames.items as unknown as ServerFrame[]) {
    if (f.type === 'joined' && f.room === room) step(cursor.joined(f));
    if (f.type === 'message' && f.room === room) {
      const r = cursor.message(f);
      if (r.fresh) shown.add(f.id);
      step({ done: r.done });
    }
    if (f.type === 'resync' && 'room' in f && f.room === room) step({ ask: cursor.resync(f) });
  }
  for (let pages = 0; ask && pages < 50; pages++) {
    const { ref: _ref, ...frame } = ask;
    ask = undefined;
    const reply = (await c.frames.request((f) => c.send(f), frame, 10_000)) as unknown as Extract<
      ServerFrame,
      { type: 'history' }
    >;
    step(cursor.page(reply));
  }
  return { outcomes, shown };
}

/**
 * Waits until the history-writer stored the last acknowledged message of `room`, then deletes
 * `lose` from durable history: once the window has moved past them, they are gone for good.
 */
export async function loseFromHistory(
  fleet: Fleet,
  room: string,
  acked: Acked[],
  lose: Acked[],
): Promise<void> {
  const admin = await fleet.admin();
  const key = createKeys(fleet.prefix, 16).history(conv.room(room));
  const last = acked.at(-1)?.id ?? 0;
  await waitUntil(
    async () => (await admin.zcount(key, last, last)) === 1,
    10_000,
    'history-writer to store the last message',
  );
  for (const m of lose) await admin.zremrangebyscore(key, m.id, m.id);
}
